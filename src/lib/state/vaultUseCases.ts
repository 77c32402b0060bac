/**
 * The vault's use cases, in one module that VaultState loads on first use:
 * they pull viem (SIWE, signatures), the FHIR validator and exporter, which
 * the first paint never needs (bench: first_load_js_gzip_kb).
 */
export { createVault } from '../vault/createVault';
export { findVaultHeader, unlockVault } from '../vault/unlockVault';
export { encryptRecords } from '../vault/addRecords';
export { commitRecords } from '../vault/commitRecords';
export { readAttachment, saveAttachment } from '../vault/openAttachment';
export { exportFhir } from '../vault/exportFhir';
export { readCurrentLists, readFhirRecords } from '../vault/fhirRecords';
export { passphraseStrength } from '../vault/passphraseStrength';
