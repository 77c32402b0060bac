// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault emergency access (break-glass) interface
/// @notice A patient names guardians (accounts with published keys) and a threshold t of n.
///         A registered provider opens an emergency request; once t guardians of the
///         request's key epoch approved and the patient's waiting period passed without a
///         cancel, anyone finalizes it and each approving guardian may release its key share,
///         sealed to the provider. The chain holds who, when and how many, never the scope:
///         shares, the scope and the reason travel sealed (events only, or on IPFS).
interface IEmergencyAccess {
    /// @notice Where a request stands. `None` is an id that was never used.
    enum Status {
        None,
        Open,
        Waiting,
        Cancelled,
        Finalized
    }

    /// @notice A guardian's EIP-712 approval, for `approveWithSignatures`.
    struct Signature {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice More guardians than `maxGuardians` were named.
    /// @param count The number given.
    /// @param maxGuardians The largest number accepted.
    error EmergencyAccessTooManyGuardians(uint256 count, uint256 maxGuardians);

    /// @notice The threshold was 0 or above the number of guardians.
    /// @param threshold The threshold given.
    /// @param guardians The number of guardians given.
    error EmergencyAccessInvalidThreshold(uint256 threshold, uint256 guardians);

    /// @notice A guardian has not published keys, so no share can be sealed to it.
    /// @param guardian The account named.
    error EmergencyAccessGuardianNotRegistered(address guardian);

    /// @notice A guardian was named twice, or the patient named itself.
    /// @param guardian The account named.
    error EmergencyAccessInvalidGuardian(address guardian);

    /// @notice There must be exactly one sealed share pointer per guardian.
    /// @param pointers The number of pointers given.
    /// @param guardians The number of guardians given.
    error EmergencyAccessSharesMismatch(uint256 pointers, uint256 guardians);

    /// @notice The waiting period was longer than `maxSeconds`.
    /// @param waitingPeriod The period given, in seconds.
    /// @param maxSeconds The longest period accepted.
    error EmergencyAccessWaitingPeriodTooLong(uint256 waitingPeriod, uint256 maxSeconds);

    /// @notice A sealed value (reason, pointer) was empty or longer than `maxLength` bytes.
    /// @param length The length given.
    /// @param maxLength The largest length accepted.
    error EmergencyAccessInvalidPayload(uint256 length, uint256 maxLength);

    /// @notice The patient has named no guardians (or removed them).
    /// @param patient The patient.
    error EmergencyAccessNoGuardians(address patient);

    /// @notice The caller has not registered as a provider in the key registry.
    /// @param caller The caller.
    error EmergencyAccessNotProvider(address caller);

    /// @notice No request has this id.
    /// @param id The id given.
    error EmergencyAccessUnknownRequest(uint256 id);

    /// @notice The account is not a guardian of the request's key epoch.
    /// @param id The request.
    /// @param account The caller or signer.
    error EmergencyAccessNotGuardian(uint256 id, address account);

    /// @notice The guardian already approved this request.
    /// @param id The request.
    /// @param guardian The guardian.
    error EmergencyAccessAlreadyApproved(uint256 id, address guardian);

    /// @notice The request cannot take this step in its current status.
    /// @param id The request.
    /// @param status Its status.
    error EmergencyAccessWrongStatus(uint256 id, Status status);

    /// @notice The patient changed guardians after the request was opened: its key epoch is over.
    /// @param id The request.
    /// @param requestEpoch The request's epoch.
    /// @param currentEpoch The patient's current epoch.
    error EmergencyAccessStaleEpoch(uint256 id, uint32 requestEpoch, uint32 currentEpoch);

    /// @notice The waiting period has not ended yet.
    /// @param id The request.
    /// @param readyAt When it ends (block time).
    error EmergencyAccessWaiting(uint256 id, uint64 readyAt);

    /// @notice Only the request's patient may cancel it.
    /// @param id The request.
    /// @param caller The caller.
    error EmergencyAccessNotPatient(uint256 id, address caller);

    /// @notice Only a guardian who approved may release a share, and only once.
    /// @param id The request.
    /// @param guardian The caller.
    error EmergencyAccessCannotRelease(uint256 id, address guardian);

    /// @notice A signature did not recover to an address (malformed or high-s).
    /// @param index Its position in the batch.
    error EmergencyAccessInvalidSignature(uint256 index);

    /// @notice `patient` named `guardians` and threshold for key `epoch` (0 guardians: turned off).
    ///         `sealedShares[i]` is the pointer to guardian i's share, sealed to it; `scopePointer`
    ///         is the pointer to the scope, encrypted under the scope key; `keyCommitment` lets a
    ///         provider check the key it rebuilt.
    event GuardiansSet(
        address indexed patient,
        uint32 indexed epoch,
        address[] guardians,
        uint8 threshold,
        uint32 waitingPeriod,
        bytes32 keyCommitment,
        bytes[] sealedShares,
        bytes scopePointer
    );

    /// @notice `patient` refreshed its emergency scope for `epoch`; the pointer is encrypted under the scope key.
    event ScopeUpdated(address indexed patient, uint32 indexed epoch, bytes scopePointer);

    /// @notice `provider` opened request `id` for `patient` (guardians of `epoch`); the reason is sealed.
    event EmergencyRequested(uint256 indexed id, address indexed provider, address indexed patient, uint32 epoch, bytes sealedReason);

    /// @notice `guardian` approved request `id` of `patient`; `approvals` so far.
    event EmergencyApproved(uint256 indexed id, address indexed guardian, address indexed patient, uint8 approvals);

    /// @notice Request `id` reached its threshold; it can be finalized from `readyAt` (block time).
    event EmergencyThresholdReached(uint256 indexed id, address indexed patient, uint64 readyAt);

    /// @notice `patient` cancelled request `id`.
    event EmergencyCancelled(uint256 indexed id, address indexed patient);

    /// @notice Request `id` of `provider` for `patient` was finalized: approving guardians may release.
    event EmergencyFinalized(uint256 indexed id, address indexed patient, address indexed provider);

    /// @notice `guardian` released its share for request `id` of `patient`, sealed to the provider.
    event EmergencyShareReleased(uint256 indexed id, address indexed guardian, address indexed patient, bytes sealedPointer);

    /// @notice Names the caller's guardians and starts a new key epoch (old shares stop counting).
    ///         Pending requests of the old epoch can no longer be approved, finalized or released.
    /// @param guardians Accounts with published keys, at most 16, no duplicates, not the caller; empty turns emergency access off.
    /// @param threshold Approvals needed, 1 to guardians.length (0 when turning off).
    /// @param waitingPeriod Seconds between the threshold and finalize, at most 30 days; 0 allowed.
    /// @param keyCommitment A commitment to the scope key (never the key).
    /// @param sealedShares One pointer per guardian, each sealed to that guardian; event only.
    /// @param scopePointer Pointer to the encrypted scope, encrypted under the scope key; event only.
    /// @return epoch The new epoch.
    function setGuardians(
        address[] calldata guardians,
        uint8 threshold,
        uint32 waitingPeriod,
        bytes32 keyCommitment,
        bytes[] calldata sealedShares,
        bytes calldata scopePointer
    ) external returns (uint32 epoch);

    /// @notice Points to a refreshed scope under the current epoch's key.
    /// @param scopePointer Pointer to the encrypted scope, encrypted under the scope key; event only.
    function updateScope(bytes calldata scopePointer) external;

    /// @notice Opens an emergency request for `patient`. Registered providers only.
    /// @param patient The patient; must have guardians.
    /// @param sealedReason The reason, sealed to the patient and guardians, 1 to 8192 bytes; event only.
    /// @return id The new request's id (ids count up from 0).
    function openRequest(address patient, bytes calldata sealedReason) external returns (uint256 id);

    /// @notice The caller, a guardian of the request's epoch, approves it (once).
    /// @param id The request.
    function approve(uint256 id) external;

    /// @notice Approves with guardians' EIP-712 signatures of `EmergencyApproval(uint256 requestId,address patient,uint32 epoch)`,
    ///         in one call; anyone may send it.
    /// @param id The request.
    /// @param signatures One per guardian.
    function approveWithSignatures(uint256 id, Signature[] calldata signatures) external;

    /// @notice The request's patient cancels it, before it is finalized.
    /// @param id The request.
    function cancel(uint256 id) external;

    /// @notice Finalizes a request whose threshold was reached and whose waiting period ended. Anyone may call.
    /// @param id The request.
    function finalize(uint256 id) external;

    /// @notice An approving guardian records the release of its share, sealed to the provider (once).
    /// @param id The finalized request.
    /// @param sealedPointer Pointer to the share re-sealed to the provider, itself sealed to the provider; event only.
    function release(uint256 id, bytes calldata sealedPointer) external;

    /// @notice The patient's current guardians.
    /// @param patient The patient.
    /// @return guardians Current guardians (empty when none).
    /// @return threshold Approvals needed.
    /// @return waitingPeriod Seconds.
    /// @return epoch Current key epoch (0 before the first set-up).
    /// @return keyCommitment The current epoch's key commitment.
    function guardiansOf(address patient)
        external
        view
        returns (address[] memory guardians, uint8 threshold, uint32 waitingPeriod, uint32 epoch, bytes32 keyCommitment);

    /// @notice Request `id`; all zero (status `None`) when it does not exist.
    /// @param id The request.
    /// @return provider Who opened it.
    /// @return patient For whom.
    /// @return epoch The patient's key epoch when it was opened.
    /// @return approvals Approvals so far.
    /// @return status Where it stands.
    /// @return readyAt When it can be finalized (0 before the threshold).
    function requestOf(uint256 id)
        external
        view
        returns (address provider, address patient, uint32 epoch, uint8 approvals, Status status, uint64 readyAt);

    /// @notice Whether `guardian` approved request `id`, and whether it released its share.
    /// @param id The request.
    /// @param guardian The guardian.
    /// @return approved True once approved.
    /// @return released True once released.
    function guardianStateOf(uint256 id, address guardian) external view returns (bool approved, bool released);

    /// @notice The EIP-712 digest a guardian signs to approve request `id`.
    /// @param id The request.
    /// @return digest The digest.
    function approvalDigest(uint256 id) external view returns (bytes32 digest);

    /// @notice How many requests were opened; the next id.
    /// @return count The number of requests.
    function requestCount() external view returns (uint256 count);

    /// @notice The key registry that says who is a provider and who has keys.
    /// @return registry Its address.
    function keyRegistry() external view returns (address registry);
}
