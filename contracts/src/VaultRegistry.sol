// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IVaultRegistry} from "./IVaultRegistry.sol";

/// @title Carevault vault registry
/// @notice Each account writes only its own vault (keyed by msg.sender).
contract VaultRegistry is IVaultRegistry {
    uint256 private constant _MAX_VAULT_POINTER = 128;
    uint256 private constant _MAX_INDEX_POINTER = 256;
    uint256 private constant _MASK_48 = (1 << 48) - 1;

    // Gas layout: a commit is what a patient pays for with every add, so it
    // rewrites ONE slot and puts the rest in its event. The slot holds what a
    // reader must find in storage: the compare-and-swap counter, the block of
    // the latest BatchCommitted event (where the root and the index pointer
    // are), and an accumulator chaining every batch's event data.
    //   head = accumulator (160 bits) | batchCount (48) | lastBlock (48)
    mapping(address owner => uint256 head) private _heads;
    mapping(address owner => string cid) private _vaultPointers;

    /// @inheritdoc IVaultRegistry
    function setVaultPointer(bytes32 expectedHash, string calldata cid) external {
        uint256 length = bytes(cid).length;
        if (length == 0) revert VaultRegistryEmptyVaultPointer();
        if (length > _MAX_VAULT_POINTER) revert VaultRegistryVaultPointerTooLong(length, _MAX_VAULT_POINTER);
        string storage current = _vaultPointers[msg.sender];
        bytes32 actualHash = bytes(current).length == 0 ? bytes32(0) : keccak256(bytes(current));
        if (actualHash != expectedHash) revert VaultRegistryPointerChanged(expectedHash, actualHash);
        _vaultPointers[msg.sender] = cid;
        emit VaultPointerSet(msg.sender, cid);
    }

    /// @inheritdoc IVaultRegistry
    function commitBatch(uint256 expectedBatchCount, bytes32 merkleRoot, uint32 count, bytes calldata encryptedIndexPointer)
        external
    {
        if (merkleRoot == bytes32(0)) revert VaultRegistryZeroRoot();
        if (count == 0) revert VaultRegistryEmptyBatch();
        uint256 length = encryptedIndexPointer.length;
        if (length == 0) revert VaultRegistryEmptyIndexPointer();
        if (length > _MAX_INDEX_POINTER) revert VaultRegistryIndexPointerTooLong(length, _MAX_INDEX_POINTER);

        uint256 head = _heads[msg.sender];
        uint256 batch = (head >> 48) & _MASK_48;
        if (batch != expectedBatchCount) revert VaultRegistryStaleBatch(expectedBatchCount, batch);
        uint256 accumulator =
            uint256(keccak256(abi.encode(head, merkleRoot, count, keccak256(encryptedIndexPointer)))) >> 96;
        // 2^48 batches or blocks are out of reach; the masks only keep the fields apart.
        _heads[msg.sender] = (accumulator << 96) | (((batch + 1) & _MASK_48) << 48) | (block.number & _MASK_48);
        emit BatchCommitted(msg.sender, batch, merkleRoot, count, uint64(head & _MASK_48), encryptedIndexPointer);
    }

    /// @inheritdoc IVaultRegistry
    function vaultPointerOf(address owner) external view returns (string memory cid) {
        return _vaultPointers[owner];
    }

    /// @inheritdoc IVaultRegistry
    function batchCountOf(address owner) external view returns (uint256 count) {
        return (_heads[owner] >> 48) & _MASK_48;
    }

    /// @inheritdoc IVaultRegistry
    function headOf(address owner) external view returns (uint256 count, uint64 lastBlock, bytes20 accumulator) {
        uint256 head = _heads[owner];
        return ((head >> 48) & _MASK_48, uint64(head & _MASK_48), bytes20(uint160(head >> 96)));
    }
}
