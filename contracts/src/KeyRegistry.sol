// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IKeyRegistry} from "./IKeyRegistry.sol";
import {PackedBytes} from "./PackedBytes.sol";

/// @title Carevault key registry
/// @notice Each account writes only its own keys and provider profile (keyed by msg.sender).
contract KeyRegistry is IKeyRegistry {
    uint256 private constant _MAX_NAME = 64;
    /// Name bytes that ride in the profile's head slot after length, role and updatedAt (80 bits).
    uint256 private constant _HEAD_NAME_BYTES = 22;

    // The Umbral key is split into its prefix byte and 32-byte x coordinate so
    // the record fits four fixed slots instead of a dynamic `bytes` value.
    struct Keys {
        bytes32 inbox;
        bytes32 signing;
        bytes32 umbralX;
        uint8 umbralPrefix;
        uint64 updatedAt;
    }

    // Keys live in their own mapping and the provider profile in another,
    // so publishing keys never touches profile slots and vice versa.
    mapping(address account => Keys) private _keys;

    // Gas layout: most display names fit 22 bytes, so the head slot packs them
    // with the metadata and a registration costs one slot instead of a string
    // length slot plus a metadata slot; longer names spill into two tail words.
    //   head = name[0:22] (176 bits) | nameLength (8) | role (8) | updatedAt (64)
    struct Profile {
        uint256 head;
        bytes32[2] tail;
    }

    mapping(address account => Profile) private _profiles;

    /// @inheritdoc IKeyRegistry
    function publishKeys(bytes32 inboxX25519, bytes32 signingEd25519, bytes calldata umbralPublicKey) external {
        if (inboxX25519 == bytes32(0) || signingEd25519 == bytes32(0)) revert KeyRegistryZeroKey();
        if (umbralPublicKey.length != 33) revert KeyRegistryInvalidUmbralKeyLength(umbralPublicKey.length);
        bytes1 prefix = umbralPublicKey[0];
        if (prefix != 0x02 && prefix != 0x03) revert KeyRegistryInvalidUmbralKeyPrefix(prefix);

        _keys[msg.sender] = Keys({
            inbox: inboxX25519,
            signing: signingEd25519,
            umbralX: bytes32(umbralPublicKey[1:33]),
            umbralPrefix: uint8(prefix),
            updatedAt: uint64(block.timestamp)
        });
        emit KeysPublished(msg.sender, inboxX25519, signingEd25519, umbralPublicKey);
    }

    /// @inheritdoc IKeyRegistry
    function keysOf(address account)
        external
        view
        returns (bytes32 inboxX25519, bytes32 signingEd25519, bytes memory umbralPublicKey, uint64 updatedAt)
    {
        Keys storage k = _keys[account];
        if (k.updatedAt == 0) return (bytes32(0), bytes32(0), "", 0);
        return (k.inbox, k.signing, abi.encodePacked(bytes1(k.umbralPrefix), k.umbralX), k.updatedAt);
    }

    /// @inheritdoc IKeyRegistry
    function registerProvider(string calldata name, uint8 role) external {
        if (_keys[msg.sender].updatedAt == 0) revert KeyRegistryKeysNotPublished(msg.sender);
        uint256 length = bytes(name).length;
        if (length == 0) revert KeyRegistryEmptyProviderName();
        if (length > _MAX_NAME) revert KeyRegistryProviderNameTooLong(length, _MAX_NAME);
        if (role > uint8(type(ProviderRole).max)) revert KeyRegistryInvalidProviderRole(role);

        Profile storage profile = _profiles[msg.sender];
        uint256 headEnd = length < _HEAD_NAME_BYTES ? length : _HEAD_NAME_BYTES;
        // The slice is zero-padded on the right, so the low 80 bits start clear.
        profile.head = uint256(bytes32(bytes(name)[0:headEnd])) | (length << 72) | (uint256(role) << 64) | uint64(block.timestamp);
        // Most names fit the head: skip the call then (registerProvider's gas is budgeted).
        if (length > _HEAD_NAME_BYTES) PackedBytes.storeTail(PackedBytes.slotOf(profile.tail), bytes(name), _HEAD_NAME_BYTES);
        emit ProviderRegistered(msg.sender, name, role);
    }

    /// @inheritdoc IKeyRegistry
    function providerOf(address account) external view returns (string memory name, uint8 role, uint64 updatedAt) {
        Profile storage profile = _profiles[account];
        uint256 head = profile.head;
        bytes memory buffer = PackedBytes.load(bytes32((head >> 80) << 80), PackedBytes.slotOf(profile.tail), (head >> 72) & 0xff, _HEAD_NAME_BYTES);
        return (string(buffer), uint8(head >> 64), uint64(head));
    }

    /// @inheritdoc IKeyRegistry
    function isProvider(address account) external view returns (bool registered) {
        return _profiles[account].head != 0;
    }

    /// @inheritdoc IKeyRegistry
    function hasKeys(address account) external view returns (bool published) {
        return _keys[account].updatedAt != 0;
    }
}
