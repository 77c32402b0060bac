// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault research consent interface
/// @notice A registered researcher (a KeyRegistry provider with the Researcher
///         role; "verified" is judged by the app from EAS attestations) registers
///         a study: a purpose, the record categories it asks for and an end
///         date. A patient consents to a study, which releases a de-identified
///         bundle, and may release again later while the consent holds; the
///         patient may withdraw at any time, after which no release is accepted.
///         Release pointers travel only in events, sealed to the researcher's
///         X25519 key: chain observers learn who consented to which study and
///         when, never what was released or where it is stored.
interface IResearchConsent {
    /// @notice The caller has not registered in the key registry with the Researcher role.
    /// @param caller The caller.
    error ResearchConsentNotResearcher(address caller);

    /// @notice The purpose was empty.
    error ResearchConsentEmptyPurpose();

    /// @notice The purpose was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error ResearchConsentPurposeTooLong(uint256 length, uint256 maxLength);

    /// @notice The study asked for no record category.
    error ResearchConsentNoCategories();

    /// @notice The end date was not after the current block's timestamp.
    /// @param endsAt The end date that was given.
    /// @param timestamp The current block's timestamp.
    error ResearchConsentEndInPast(uint64 endsAt, uint256 timestamp);

    /// @notice No study has this id.
    /// @param studyId The id that was given.
    error ResearchConsentUnknownStudy(uint256 studyId);

    /// @notice Study `studyId` ended at `endsAt`.
    /// @param studyId The study.
    /// @param endsAt Its end date.
    error ResearchConsentStudyEnded(uint256 studyId, uint64 endsAt);

    /// @notice The sealed pointer was empty.
    error ResearchConsentEmptyPointer();

    /// @notice The sealed pointer was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error ResearchConsentPointerTooLong(uint256 length, uint256 maxLength);

    /// @notice `patient` already consents to study `studyId`.
    /// @param studyId The study.
    /// @param patient The patient.
    error ResearchConsentAlreadyGiven(uint256 studyId, address patient);

    /// @notice `patient` does not consent to study `studyId` (never did, or withdrew).
    /// @param studyId The study.
    /// @param patient The patient.
    error ResearchConsentNotGiven(uint256 studyId, address patient);

    /// @notice `researcher` registered study `studyId`.
    event StudyRegistered(uint256 indexed studyId, address indexed researcher, uint16 categories, uint64 endsAt, string purpose);

    /// @notice `patient` consented to study `studyId` of `researcher`.
    event ConsentGiven(uint256 indexed studyId, address indexed patient, address indexed researcher);

    /// @notice `patient` released data to study `studyId`; `sealedPointer` is sealed to the researcher.
    event DataReleased(uint256 indexed studyId, address indexed patient, address indexed researcher, bytes sealedPointer);

    /// @notice `patient` withdrew consent to study `studyId` of `researcher`.
    event ConsentWithdrawn(uint256 indexed studyId, address indexed patient, address indexed researcher);

    /// @notice Registers a study of the caller, who must be a registered researcher.
    /// @param purpose What the study is for, 1 to 512 bytes (UTF-8); shown to patients.
    /// @param categories The record categories asked for, one bit per category in the app's order; not 0.
    /// @param endsAt When the study ends (Unix seconds); after it no consent or release is accepted.
    /// @return studyId The new study's id (from 1).
    function registerStudy(string calldata purpose, uint16 categories, uint64 endsAt) external returns (uint256 studyId);

    /// @notice The caller consents to study `studyId` and releases a first bundle.
    /// @param studyId The study.
    /// @param sealedPointer Where the de-identified bundle is, sealed to the researcher (1 to 512 bytes).
    function giveConsent(uint256 studyId, bytes calldata sealedPointer) external;

    /// @notice The caller releases another bundle to a study it consents to (new records).
    /// @param studyId The study.
    /// @param sealedPointer Where the bundle is, sealed to the researcher (1 to 512 bytes).
    function release(uint256 studyId, bytes calldata sealedPointer) external;

    /// @notice The caller withdraws its consent to study `studyId`: no release is accepted after this.
    ///         What was released before stays with the researcher.
    /// @param studyId The study.
    function withdrawConsent(uint256 studyId) external;

    /// @notice Study `studyId`; all zero when there is none.
    /// @param studyId The study.
    /// @return researcher Who registered it.
    /// @return categories The categories it asks for (bit mask).
    /// @return endsAt When it ends (Unix seconds).
    function studyOf(uint256 studyId) external view returns (address researcher, uint16 categories, uint64 endsAt);

    /// @notice How many studies were registered (ids run from 1 to this).
    /// @return count The number of studies.
    function studyCount() external view returns (uint256 count);

    /// @notice `patient`'s consent to study `studyId`.
    /// @param studyId The study.
    /// @param patient The patient.
    /// @return givenAt When it was last given (Unix seconds), 0 when never.
    /// @return withdrawnAt When it was withdrawn after that, 0 when it holds.
    function consentOf(uint256 studyId, address patient) external view returns (uint64 givenAt, uint64 withdrawnAt);

    /// @notice Whether `patient` consents to study `studyId` and the study has not ended.
    /// @param studyId The study.
    /// @param patient The patient.
    /// @return active True when a release would be accepted now.
    function isConsentActive(uint256 studyId, address patient) external view returns (bool active);
}
