/** Resource types bound to no patient: they come along only when a patient's resource refers to them. */
export const SHARED_TYPES: ReadonlySet<string> = new Set([
	'Practitioner',
	'PractitionerRole',
	'Organization',
	'Location',
	'HealthcareService',
	'Medication',
	'Substance',
	'Endpoint'
]);

/**
 * What Carevault imports: the clinical and administrative R4 types a record
 * export holds (everything Synthea writes, plus the common US Core / IPS types).
 * Others (terminology, conformance, workflow infrastructure) are reported.
 */
export const SUPPORTED_RESOURCE_TYPES: ReadonlySet<string> = new Set([
	...SHARED_TYPES,
	'Patient',
	'RelatedPerson',
	'AllergyIntolerance',
	'CarePlan',
	'CareTeam',
	'Claim',
	'ClinicalImpression',
	'Composition',
	'Condition',
	'Consent',
	'Coverage',
	'DetectedIssue',
	'Device',
	'DeviceRequest',
	'DeviceUseStatement',
	'DiagnosticReport',
	'DocumentReference',
	'Encounter',
	'EpisodeOfCare',
	'ExplanationOfBenefit',
	'FamilyMemberHistory',
	'Flag',
	'Goal',
	'ImagingStudy',
	'Immunization',
	'ImmunizationEvaluation',
	'ImmunizationRecommendation',
	'Media',
	'MedicationAdministration',
	'MedicationDispense',
	'MedicationRequest',
	'MedicationStatement',
	'NutritionOrder',
	'Observation',
	'Procedure',
	'Provenance',
	'QuestionnaireResponse',
	'RiskAssessment',
	'ServiceRequest',
	'Specimen',
	'SupplyDelivery',
	'SupplyRequest'
]);
