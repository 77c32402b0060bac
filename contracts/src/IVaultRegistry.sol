// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault vault registry interface
/// @notice Where a wallet finds its vault again: the pointer to the wrapped root
///         secret, the encrypted pointer to the record index, and the Merkle roots
///         anchoring each batch of record manifests. Everything here is opaque:
///         no record CID, title, category or content is ever stored in clear.
interface IVaultRegistry {
    /// @notice The vault pointer (CID) was empty.
    error VaultRegistryEmptyVaultPointer();

    /// @notice The vault pointer (CID) was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error VaultRegistryVaultPointerTooLong(uint256 length, uint256 maxLength);

    /// @notice A batch must anchor at least one record.
    error VaultRegistryEmptyBatch();

    /// @notice The batch Merkle root was zero.
    error VaultRegistryZeroRoot();

    /// @notice The encrypted index pointer was empty.
    error VaultRegistryEmptyIndexPointer();

    /// @notice The encrypted index pointer was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error VaultRegistryIndexPointerTooLong(uint256 length, uint256 maxLength);

    /// @notice The caller's vault pointer is not the one it expected: another device
    ///         or tab wrote it first (or a vault already exists). Nothing was changed.
    /// @param expected keccak256 of the pointer the caller expected; zero for "no vault yet".
    /// @param actual keccak256 of the pointer stored now; zero when none is stored.
    error VaultRegistryPointerChanged(bytes32 expected, bytes32 actual);

    /// @notice The caller's index moved since it read it: another device or tab
    ///         committed a batch first. Nothing was changed; merge with the newer
    ///         index and commit again.
    /// @param expected The batch count the caller based its index on.
    /// @param actual The caller's batch count now.
    error VaultRegistryStaleBatch(uint256 expected, uint256 actual);

    /// @notice `owner` set its vault pointer to `cid`.
    event VaultPointerSet(address indexed owner, string cid);

    /// @notice `owner` anchored batch number `batch` (from 0) of `count` records under Merkle root `root`.
    event BatchAnchored(address indexed owner, uint256 indexed batch, bytes32 root, uint32 count);

    /// @notice `owner` moved its encrypted index pointer.
    event IndexPointerUpdated(address indexed owner, bytes encryptedIndexPointer);

    /// @notice Sets the caller's vault pointer (the CID of its wrapped root secret),
    ///         but only if the pointer stored now is the one the caller expects
    ///         (compare-and-swap): a device with a stale view can never replace
    ///         a vault it did not see. Reverts with `VaultRegistryPointerChanged` otherwise.
    /// @param expectedHash keccak256 of the current pointer's bytes, or zero when the caller expects none.
    /// @param cid The CID string, 1 to 128 bytes.
    function setVaultPointer(bytes32 expectedHash, string calldata cid) external;

    /// @notice In one transaction, anchors a batch of record manifests and moves the
    ///         caller's encrypted index pointer to the index that lists them, but only
    ///         if no other batch was committed since the caller read its index
    ///         (compare-and-swap on the batch count, which moves with every index
    ///         pointer write). Reverts with `VaultRegistryStaleBatch` otherwise.
    /// @param expectedBatchCount The caller's batch count when it read the index it extends.
    /// @param merkleRoot Merkle root over the batch's manifest hashes (non-zero).
    /// @param count Number of manifests in the batch (at least 1).
    /// @param encryptedIndexPointer Opaque ciphertext naming the index, 1 to 256 bytes.
    function commitBatch(uint256 expectedBatchCount, bytes32 merkleRoot, uint32 count, bytes calldata encryptedIndexPointer)
        external;

    /// @notice The vault pointer `owner` set; empty when none.
    /// @param owner The vault owner.
    /// @return cid The CID string.
    function vaultPointerOf(address owner) external view returns (string memory cid);

    /// @notice The encrypted index pointer of `owner`; empty when it never committed.
    /// @param owner The vault owner.
    /// @return encryptedIndexPointer The opaque pointer bytes.
    function indexPointerOf(address owner) external view returns (bytes memory encryptedIndexPointer);

    /// @notice How many batches `owner` has anchored.
    /// @param owner The vault owner.
    /// @return count The number of batches.
    function batchCountOf(address owner) external view returns (uint256 count);

    /// @notice Batch number `batch` of `owner`; all zero when it does not exist.
    /// @param owner The vault owner.
    /// @param batch The batch number, from 0.
    /// @return root The Merkle root.
    /// @return count The number of manifests.
    /// @return anchoredAt The block timestamp of the anchoring.
    function anchorOf(address owner, uint256 batch) external view returns (bytes32 root, uint32 count, uint64 anchoredAt);
}
