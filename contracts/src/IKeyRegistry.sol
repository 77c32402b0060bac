// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault key registry interface
/// @notice Public keys each person publishes so others can seal data to them,
///         check their signatures and re-encrypt capsules to them.
interface IKeyRegistry {
    /// @notice An X25519 or Ed25519 key was all zero bytes.
    error KeyRegistryZeroKey();

    /// @notice The Umbral public key was not 33 bytes (compressed secp256k1 point).
    /// @param length The length that was given.
    error KeyRegistryInvalidUmbralKeyLength(uint256 length);

    /// @notice The Umbral public key did not start with 0x02 or 0x03.
    /// @param prefix The first byte that was given.
    error KeyRegistryInvalidUmbralKeyPrefix(bytes1 prefix);

    /// @notice `account` published (or replaced) its public keys.
    event KeysPublished(
        address indexed account, bytes32 inboxX25519, bytes32 signingEd25519, bytes umbralPublicKey
    );

    /// @notice Publishes or replaces the caller's public keys.
    /// @param inboxX25519 X25519 public key for sealed boxes.
    /// @param signingEd25519 Ed25519 public key for manifest signatures.
    /// @param umbralPublicKey Umbral (secp256k1) public key, 33 bytes compressed.
    function publishKeys(bytes32 inboxX25519, bytes32 signingEd25519, bytes calldata umbralPublicKey) external;

    /// @notice The public keys `account` published; all zero and empty when none.
    /// @param account The key owner.
    /// @return inboxX25519 X25519 public key.
    /// @return signingEd25519 Ed25519 public key.
    /// @return umbralPublicKey Umbral public key (33 bytes), empty when none.
    /// @return updatedAt Timestamp of the last publication, 0 when none.
    function keysOf(address account)
        external
        view
        returns (bytes32 inboxX25519, bytes32 signingEd25519, bytes memory umbralPublicKey, uint64 updatedAt);
}
