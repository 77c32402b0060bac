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

    /// @notice `owner` committed batch number `batch` (from 0): `count` record manifests under
    ///         Merkle root `root`, and moved its encrypted index pointer to `encryptedIndexPointer`.
    ///         Storage keeps only an accumulator over these events; the event is where a reader
    ///         finds the root a record's proof is checked against, and the pointer.
    /// @param previousBlock The block of batch `batch - 1` (0 for the first batch), so a reader
    ///        walks from `headOf(owner)` back through every batch without scanning the chain.
    event BatchCommitted(
        address indexed owner, uint256 indexed batch, bytes32 root, uint32 count, uint64 previousBlock, bytes encryptedIndexPointer
    );

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
    ///         One storage slot per vault is rewritten (accumulator, batch count, block);
    ///         the root and the pointer go to the `BatchCommitted` event.
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

    /// @notice How many batches `owner` has committed.
    /// @param owner The vault owner.
    /// @return count The number of batches.
    function batchCountOf(address owner) external view returns (uint256 count);

    /// @notice Where a reader finds `owner`'s latest batch and index pointer.
    /// @param owner The vault owner.
    /// @return count The number of batches committed (0: none; the rest is then zero).
    /// @return lastBlock The block whose `BatchCommitted(owner, count - 1, ...)` event holds the
    ///         latest root and encrypted index pointer.
    /// @return accumulator The top 160 bits of keccak256(abi.encode(previous head word, root,
    ///         count, keccak256(encryptedIndexPointer))), chained over every batch: it commits to
    ///         the whole sequence of batch events, so a reader can check the events it was given.
    function headOf(address owner) external view returns (uint256 count, uint64 lastBlock, bytes20 accumulator);
}
