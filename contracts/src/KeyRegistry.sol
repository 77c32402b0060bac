// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IKeyRegistry} from "./IKeyRegistry.sol";

/// @title Carevault key registry
/// @notice Each account writes only its own keys (keyed by msg.sender).
contract KeyRegistry is IKeyRegistry {
    // The Umbral key is split into its prefix byte and 32-byte x coordinate so
    // the record fits four fixed slots instead of a dynamic `bytes` value.
    struct Keys {
        bytes32 inbox;
        bytes32 signing;
        bytes32 umbralX;
        uint8 umbralPrefix;
        uint64 updatedAt;
    }

    // Keys live in their own mapping: a later provider profile (name, role)
    // gets a separate mapping keyed by the same address, leaving this layout
    // and `keysOf` unchanged.
    mapping(address account => Keys) private _keys;

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
}
