// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault key registry interface
/// @notice Public keys each person publishes so others can seal data to them,
///         check their signatures and re-encrypt capsules to them; and the
///         public profile (display name, role) of accounts acting as providers.
interface IKeyRegistry {
    /// @notice What a provider is. The ABI carries it as a uint8 in this order.
    enum ProviderRole {
        Physician,
        Lab,
        Pharmacy,
        Insurer,
        Other,
        Researcher
    }

    /// @notice An X25519 or Ed25519 key was all zero bytes.
    error KeyRegistryZeroKey();

    /// @notice The Umbral public key was not 33 bytes (compressed secp256k1 point).
    /// @param length The length that was given.
    error KeyRegistryInvalidUmbralKeyLength(uint256 length);

    /// @notice The Umbral public key did not start with 0x02 or 0x03.
    /// @param prefix The first byte that was given.
    error KeyRegistryInvalidUmbralKeyPrefix(bytes1 prefix);

    /// @notice `account` tried to register as a provider before publishing its keys.
    /// @param account The caller.
    error KeyRegistryKeysNotPublished(address account);

    /// @notice The provider name was empty.
    error KeyRegistryEmptyProviderName();

    /// @notice The provider name was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error KeyRegistryProviderNameTooLong(uint256 length, uint256 maxLength);

    /// @notice The provider role was not one of `ProviderRole`.
    /// @param role The role that was given.
    error KeyRegistryInvalidProviderRole(uint8 role);

    /// @notice `account` published (or replaced) its public keys.
    event KeysPublished(
        address indexed account, bytes32 inboxX25519, bytes32 signingEd25519, bytes umbralPublicKey
    );

    /// @notice `provider` registered (or updated) its provider profile.
    event ProviderRegistered(address indexed provider, string name, uint8 role);

    /// @notice Publishes or replaces the caller's public keys.
    /// @dev No compare-and-swap here on purpose: a vault's keys derive from its root
    ///      secret, so every device of that vault publishes the same keys. Different
    ///      keys could only come from a second root secret, i.e. a second vault, and
    ///      the app publishes keys only after VaultRegistry.setVaultPointer succeeded
    ///      with "expected: no vault", which a stale second create cannot.
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

    /// @notice Registers the caller as a provider, or updates its profile.
    ///         The caller must have published its keys first: a patient must be
    ///         able to check a provider's signatures and seal replies to it.
    /// @param name Display name, 1 to 64 bytes (UTF-8); shown to patients beside the address.
    /// @param role A `ProviderRole` value.
    function registerProvider(string calldata name, uint8 role) external;

    /// @notice The provider profile of `account`; empty, 0 and 0 when it never registered.
    /// @param account The provider.
    /// @return name Display name.
    /// @return role A `ProviderRole` value.
    /// @return updatedAt Timestamp of the last registration, 0 when none.
    function providerOf(address account) external view returns (string memory name, uint8 role, uint64 updatedAt);

    /// @notice Whether `account` registered as a provider.
    /// @param account The account.
    /// @return registered True once it registered.
    function isProvider(address account) external view returns (bool registered);

    /// @notice Whether `account` published its public keys.
    /// @param account The account.
    /// @return published True once it published.
    function hasKeys(address account) external view returns (bool published);
}
