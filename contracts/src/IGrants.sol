// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault grants interface
/// @notice A patient grants a grantee (a registered provider, or the throwaway
///         address of a share link) access to a bundle of records, with an
///         optional expiry, and may revoke it. The bundle pointer travels only
///         in events, sealed to the grantee's X25519 key; storage keeps what
///         authorisation and `isActive` need, so a grant costs the same gas
///         whatever the number of records it covers. Chain observers learn who
///         granted whom and until when, never the scope or the record CIDs.
///         Registered providers may also send a patient a sealed access request,
///         which the patient answers once: an approval makes the grant to the
///         requester in the same call, so it can never point at someone else's grant.
interface IGrants {
    /// @notice Where an access request stands. `None` is an id that was never used.
    enum RequestStatus {
        None,
        Pending,
        Approved,
        Declined
    }

    /// @notice The grantee was the zero address.
    error GrantsZeroGrantee();

    /// @notice The commitment was zero.
    error GrantsZeroCommitment();

    /// @notice The sealed pointer was empty.
    error GrantsEmptyPointer();

    /// @notice The sealed pointer was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error GrantsPointerTooLong(uint256 length, uint256 maxLength);

    /// @notice The expiry was not after the current block's timestamp (0 means no expiry).
    /// @param expiresAt The expiry that was given.
    /// @param timestamp The current block's timestamp.
    error GrantsExpiryInPast(uint64 expiresAt, uint256 timestamp);

    /// @notice No grant has this id.
    /// @param id The id that was given.
    error GrantsUnknown(uint256 id);

    /// @notice Only the patient who made grant `id` may change it.
    /// @param id The grant.
    /// @param caller The caller.
    error GrantsNotPatient(uint256 id, address caller);

    /// @notice Grant `id` was revoked.
    /// @param id The grant.
    error GrantsRevoked(uint256 id);

    /// @notice Grant `id` has expired.
    /// @param id The grant.
    error GrantsExpired(uint256 id);

    /// @notice The caller has not registered as a provider in the key registry.
    /// @param caller The caller.
    error GrantsNotProvider(address caller);

    /// @notice The patient has not published keys, so nothing can be sealed to it.
    /// @param patient The addressed patient.
    error GrantsPatientNotRegistered(address patient);

    /// @notice The expiry was beyond the largest time a grant stores (uint40 seconds, the year 36812).
    /// @param expiresAt The expiry that was given.
    /// @param maxExpiresAt The largest expiry accepted.
    error GrantsExpiryTooLate(uint64 expiresAt, uint64 maxExpiresAt);

    /// @notice Only the grantee of grant `id` may report an access to it.
    /// @param id The grant.
    /// @param caller The caller.
    error GrantsNotGrantee(uint256 id, address caller);

    /// @notice An access report named no records (count 0).
    error GrantsZeroCount();

    /// @notice The sealed request was empty.
    error GrantsEmptyRequest();

    /// @notice The sealed request was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error GrantsRequestTooLong(uint256 length, uint256 maxLength);

    /// @notice No access request has this id.
    /// @param id The id that was given.
    error GrantsRequestUnknown(uint256 id);

    /// @notice Only the patient an access request was addressed to may answer it.
    /// @param id The request.
    /// @param caller The caller.
    error GrantsNotRequestedPatient(uint256 id, address caller);

    /// @notice Access request `id` was already approved or declined.
    /// @param id The request.
    error GrantsRequestAlreadyAnswered(uint256 id);

    /// @notice `patient` granted `grantee` access until `expiresAt` (0: no expiry). Only the
    ///         grantee can open `sealedPointer`; `commitment` binds it without revealing it.
    event Granted(
        uint256 indexed id,
        address indexed patient,
        address indexed grantee,
        uint64 expiresAt,
        bytes32 commitment,
        bytes sealedPointer
    );

    /// @notice The patient replaced grant `id`'s sealed pointer (its bundle now covers more records).
    event GrantPointerUpdated(uint256 indexed id, bytes32 commitment, bytes sealedPointer);

    /// @notice `patient` revoked grant `id`. The grantee is in the grant's `Granted` event
    ///         (not in storage, so that a grant stays cheap).
    event Revoked(uint256 indexed id, address indexed patient);

    /// @notice The app of `grantee` reported that it opened `count` records of active grant `id`,
    ///         which `patient` made. Reported by the grantee's own app: nothing can enforce it.
    event AccessReported(uint256 indexed id, address indexed patient, address indexed grantee, uint32 count);

    /// @notice Provider `requester` asked `patient` for access; only `patient` can open `sealedRequest`.
    event AccessRequested(uint256 indexed id, address indexed requester, address indexed patient, bytes sealedRequest);

    /// @notice `patient` answered access request `id`; `grantId` is the grant that approved it (made
    ///         to the requester in the same transaction), 0 when declined.
    event AccessRequestAnswered(uint256 indexed id, address indexed patient, bool approved, uint256 grantId);

    /// @notice Grants `grantee` access to the bundle behind `sealedPointer`. The caller is the patient.
    /// @param grantee Who may open the bundle: a provider, or a share link's throwaway address.
    /// @param expiresAt Unix seconds after which the grant is no longer active; 0 for no expiry.
    /// @param sealedPointer The bundle pointer sealed to the grantee's X25519 key, 1 to 1024 bytes.
    ///        Kept only in the `Granted` event, never in storage.
    /// @param commitment Non-zero hash binding the grant's parties, scope, key epochs, expiry and
    ///        bundle (computed off-chain over a salt sealed in the bundle, so it reveals nothing).
    /// @return id The new grant's id (ids count up from 1; 0 is never a grant).
    function grant(address grantee, uint64 expiresAt, bytes calldata sealedPointer, bytes32 commitment)
        external
        returns (uint256 id);

    /// @notice Replaces grant `id`'s sealed pointer. Only its patient, only while it is active.
    /// @param id The grant.
    /// @param sealedPointer The new sealed pointer, 1 to 1024 bytes (event only).
    /// @param commitment Non-zero hash binding the grant's scope, key epochs, expiry and new bundle.
    function updatePointer(uint256 id, bytes calldata sealedPointer, bytes32 commitment) external;

    /// @notice Revokes grant `id` for good. Only its patient, only once; an expired grant may be revoked.
    /// @param id The grant.
    function revoke(uint256 id) external;

    /// @notice Records, for the patient's audit trail, that the caller's app opened `count`
    ///         records of grant `id` (one report per opening of the shared view, not per file).
    ///         Only the grant's grantee, only while the grant is active. No record ids: the
    ///         count is all a chain observer learns. Emits `AccessReported`.
    /// @param id The grant.
    /// @param count How many records the opening showed, at least 1.
    function reportAccess(uint256 id, uint32 count) external;

    /// @notice Whether grant `id` exists, is not revoked and has not expired at this block.
    /// @param id The grant.
    /// @return active True while the grantee may be served.
    function isActive(uint256 id) external view returns (bool active);

    /// @notice Grant `id`; all zero when it does not exist. The grantee, commitment and
    ///         sealed pointer are in its `Granted` and `GrantPointerUpdated` events.
    /// @param id The grant.
    /// @return patient Who granted.
    /// @return expiresAt Unix seconds, 0 for no expiry.
    /// @return revoked Whether it was revoked.
    /// @return active `isActive(id)`.
    function grantOf(uint256 id)
        external
        view
        returns (address patient, uint64 expiresAt, bool revoked, bool active);

    /// @notice How many grants were made (the last id).
    /// @return count The number of grants.
    function grantCount() external view returns (uint256 count);

    /// @notice Asks `patient` for access. The caller must be a registered provider
    ///         and `patient` must have published keys.
    /// @param patient The patient asked.
    /// @param sealedRequest Reason and categories sealed to the patient's inbox key, 1 to 2048 bytes (event only).
    /// @return id The new request's id (ids count up from 1).
    function requestAccess(address patient, bytes calldata sealedRequest) external returns (uint256 id);

    /// @notice Approves access request `id`, once, by granting its requester access to the bundle
    ///         behind `sealedPointer` in the same call. Only the request's patient; the grantee is
    ///         always the requester recorded by `requestAccess`. Emits `Granted`, then
    ///         `AccessRequestAnswered(id, patient, true, grantId)`. Same checks as `grant`.
    /// @param id The request.
    /// @param expiresAt Unix seconds after which the grant is no longer active; 0 for no expiry.
    /// @param sealedPointer The bundle pointer sealed to the requester's X25519 key, 1 to 1024 bytes (event only).
    /// @param commitment Non-zero hash binding the grant's scope and bundle.
    /// @return grantId The new grant's id.
    function approveRequest(uint256 id, uint64 expiresAt, bytes calldata sealedPointer, bytes32 commitment)
        external
        returns (uint256 grantId);

    /// @notice Declines access request `id`, once. Only its patient. Emits
    ///         `AccessRequestAnswered(id, patient, false, 0)`.
    /// @param id The request.
    function declineRequest(uint256 id) external;

    /// @notice Access request `id`; zeros and `None` when it does not exist. The sealed
    ///         request is in its `AccessRequested` event.
    /// @param id The request.
    /// @return patient The patient asked.
    /// @return requester The provider who asked (the grantee of an approval).
    /// @return status Where it stands.
    function requestOf(uint256 id) external view returns (address patient, address requester, RequestStatus status);

    /// @notice How many access requests were made (the last id).
    /// @return count The number of requests.
    function requestCount() external view returns (uint256 count);

    /// @notice The key registry that says who is a provider and who has keys.
    /// @return registry Its address.
    function keyRegistry() external view returns (address registry);
}
