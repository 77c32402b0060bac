// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IVaultRegistry} from "./IVaultRegistry.sol";
import {PackedBytes} from "./PackedBytes.sol";

/// @title Carevault vault registry
/// @notice Each account writes only its own vault (keyed by msg.sender).
contract VaultRegistry is IVaultRegistry {
    uint256 private constant _MAX_VAULT_POINTER = 128;
    uint256 private constant _MAX_INDEX_POINTER = 256;
    /// Pointer bytes that ride in the header slot after batchCount (8 bytes) and length (2 bytes).
    uint256 private constant _HEAD_BYTES = 22;

    struct Anchor {
        bytes32 root;
        uint32 count;
        uint64 anchoredAt;
    }

    // Gas layout: every commit rewrites the header and the pointer words anyway,
    // so the header packs the batch counter, the pointer length and the first 22
    // pointer bytes; a 99-byte pointer then needs one header and three tail words
    // instead of a counter, a length and four data words.
    //   head = batchCount (64 bits) | indexPointerLength (16) | pointer[0:22] (176)
    struct Vault {
        uint256 head;
        bytes32[8] tail;
        string vaultPointer;
    }

    mapping(address owner => Vault) private _vaults;
    mapping(address owner => mapping(uint256 batch => Anchor)) private _anchors;

    /// @inheritdoc IVaultRegistry
    function setVaultPointer(bytes32 expectedHash, string calldata cid) external {
        uint256 length = bytes(cid).length;
        if (length == 0) revert VaultRegistryEmptyVaultPointer();
        if (length > _MAX_VAULT_POINTER) revert VaultRegistryVaultPointerTooLong(length, _MAX_VAULT_POINTER);
        Vault storage vault = _vaults[msg.sender];
        string storage current = vault.vaultPointer;
        bytes32 actualHash = bytes(current).length == 0 ? bytes32(0) : keccak256(bytes(current));
        if (actualHash != expectedHash) revert VaultRegistryPointerChanged(expectedHash, actualHash);
        vault.vaultPointer = cid;
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

        Vault storage vault = _vaults[msg.sender];
        uint256 batch = vault.head >> 192;
        if (batch != expectedBatchCount) revert VaultRegistryStaleBatch(expectedBatchCount, batch);
        _anchors[msg.sender][batch] = Anchor({root: merkleRoot, count: count, anchoredAt: uint64(block.timestamp)});

        uint256 headEnd = length < _HEAD_BYTES ? length : _HEAD_BYTES;
        vault.head = ((batch + 1) << 192) | (length << 176)
            | (uint256(bytes32(encryptedIndexPointer[0:headEnd])) >> 80);
        PackedBytes.storeTail(PackedBytes.slotOf(vault.tail), encryptedIndexPointer, _HEAD_BYTES);
        emit BatchAnchored(msg.sender, batch, merkleRoot, count);
        emit IndexPointerUpdated(msg.sender, encryptedIndexPointer);
    }

    /// @inheritdoc IVaultRegistry
    function vaultPointerOf(address owner) external view returns (string memory cid) {
        return _vaults[owner].vaultPointer;
    }

    /// @inheritdoc IVaultRegistry
    function indexPointerOf(address owner) external view returns (bytes memory encryptedIndexPointer) {
        Vault storage vault = _vaults[owner];
        uint256 head = vault.head;
        return PackedBytes.load(bytes32(head << 80), PackedBytes.slotOf(vault.tail), (head >> 176) & 0xffff, _HEAD_BYTES);
    }

    /// @inheritdoc IVaultRegistry
    function batchCountOf(address owner) external view returns (uint256 count) {
        return _vaults[owner].head >> 192;
    }

    /// @inheritdoc IVaultRegistry
    function anchorOf(address owner, uint256 batch) external view returns (bytes32 root, uint32 count, uint64 anchoredAt) {
        Anchor storage anchor = _anchors[owner][batch];
        return (anchor.root, anchor.count, anchor.anchoredAt);
    }
}
