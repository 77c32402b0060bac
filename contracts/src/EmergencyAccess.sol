// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IKeyRegistry} from "./IKeyRegistry.sol";
import {IEmergencyAccess} from "./IEmergencyAccess.sol";

/// @title Carevault emergency access (break-glass)
/// @notice Each patient writes only its own guardian set (msg.sender); providers open
///         requests, guardians of the request's epoch approve, the patient cancels,
///         anyone finalizes after the waiting period, approving guardians release.
contract EmergencyAccess is IEmergencyAccess {
    uint256 private constant _MAX_GUARDIANS = 16;
    uint256 private constant _MAX_PAYLOAD = 8192;
    uint256 private constant _MAX_WAITING = 30 days;
    // secp256k1n / 2: signatures with a higher s are malleable copies.
    uint256 private constant _HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("Carevault EmergencyAccess");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    bytes32 private constant _APPROVAL_TYPEHASH = keccak256("EmergencyApproval(uint256 requestId,address patient,uint32 epoch)");

    // One slot: the set-up a request and an approval read.
    struct Guardianship {
        uint32 epoch;
        uint8 threshold;
        uint8 count;
        uint32 waitingPeriod;
    }

    // Two slots: an approval or a release rewrites the first only (one bit per guardian,
    // by its position in the epoch's list), the threshold writes the second once.
    struct Request {
        address provider;
        uint32 epoch;
        uint8 approvals;
        Status status;
        uint16 approved;
        uint16 released;
        address patient;
        uint64 readyAt;
    }

    IKeyRegistry private immutable _registry;
    uint256 private _count;
    mapping(address patient => Guardianship) private _guardianship;
    mapping(address patient => address[]) private _guardians;
    // A guardian's position in its epoch's list, plus one (0: not a guardian of that epoch).
    mapping(address patient => mapping(uint32 epoch => mapping(address account => uint256))) private _guardianSlot;
    mapping(address patient => bytes32) private _keyCommitment;
    mapping(uint256 id => Request) private _requests;

    /// @param registry The key registry holding provider profiles and published keys.
    constructor(IKeyRegistry registry) {
        _registry = registry;
    }

    /// @inheritdoc IEmergencyAccess
    function setGuardians(
        address[] calldata guardians,
        uint8 threshold,
        uint32 waitingPeriod,
        bytes32 keyCommitment,
        bytes[] calldata sealedShares,
        bytes calldata scopePointer
    ) external returns (uint32 epoch) {
        uint256 n = guardians.length;
        if (n > _MAX_GUARDIANS) revert EmergencyAccessTooManyGuardians(n, _MAX_GUARDIANS);
        if (n == 0 ? threshold != 0 : (threshold == 0 || threshold > n)) revert EmergencyAccessInvalidThreshold(threshold, n);
        if (sealedShares.length != n) revert EmergencyAccessSharesMismatch(sealedShares.length, n);
        if (waitingPeriod > _MAX_WAITING) revert EmergencyAccessWaitingPeriodTooLong(waitingPeriod, _MAX_WAITING);
        if (n != 0) _checkPayload(scopePointer.length);

        epoch = _guardianship[msg.sender].epoch + 1;
        mapping(address => uint256) storage slotOf = _guardianSlot[msg.sender][epoch];
        for (uint256 i; i < n; ++i) {
            address guardian = guardians[i];
            if (guardian == msg.sender || slotOf[guardian] != 0) revert EmergencyAccessInvalidGuardian(guardian);
            if (!_registry.hasKeys(guardian)) revert EmergencyAccessGuardianNotRegistered(guardian);
            _checkPayload(sealedShares[i].length);
            slotOf[guardian] = i + 1;
        }
        _guardianship[msg.sender] =
            Guardianship({epoch: epoch, threshold: threshold, count: uint8(n), waitingPeriod: waitingPeriod});
        _guardians[msg.sender] = guardians;
        _keyCommitment[msg.sender] = keyCommitment;
        emit GuardiansSet(msg.sender, epoch, guardians, threshold, waitingPeriod, keyCommitment, sealedShares, scopePointer);
    }

    /// @inheritdoc IEmergencyAccess
    function updateScope(bytes calldata scopePointer) external {
        Guardianship memory g = _guardianship[msg.sender];
        if (g.count == 0) revert EmergencyAccessNoGuardians(msg.sender);
        _checkPayload(scopePointer.length);
        emit ScopeUpdated(msg.sender, g.epoch, scopePointer);
    }

    /// @inheritdoc IEmergencyAccess
    function openRequest(address patient, bytes calldata sealedReason) external returns (uint256 id) {
        _checkPayload(sealedReason.length);
        if (!_registry.isProvider(msg.sender)) revert EmergencyAccessNotProvider(msg.sender);
        Guardianship memory g = _guardianship[patient];
        if (g.count == 0) revert EmergencyAccessNoGuardians(patient);

        id = _count;
        _count = id + 1;
        _requests[id] = Request({
            provider: msg.sender,
            epoch: g.epoch,
            approvals: 0,
            status: Status.Open,
            approved: 0,
            released: 0,
            patient: patient,
            readyAt: 0
        });
        emit EmergencyRequested(id, msg.sender, patient, g.epoch, sealedReason);
    }

    /// @inheritdoc IEmergencyAccess
    function approve(uint256 id) external {
        Request storage request = _requests[id];
        Guardianship memory g = _openRequest(id, request);
        _approve(id, request, g, msg.sender);
    }

    /// @inheritdoc IEmergencyAccess
    function approveWithSignatures(uint256 id, Signature[] calldata signatures) external {
        Request storage request = _requests[id];
        Guardianship memory g = _openRequest(id, request);
        bytes32 digest = _approvalDigest(id, request.patient, request.epoch);
        for (uint256 i; i < signatures.length; ++i) {
            Signature calldata sig = signatures[i];
            address signer = uint256(sig.s) > _HALF_N ? address(0) : ecrecover(digest, sig.v, sig.r, sig.s);
            if (signer == address(0)) revert EmergencyAccessInvalidSignature(i);
            // Once the threshold is reached mid-batch, the remaining signatures are not needed: _approve ignores them.
            _approve(id, request, g, signer);
        }
    }

    /// @inheritdoc IEmergencyAccess
    function cancel(uint256 id) external {
        Request storage request = _requests[id];
        Status status = request.status;
        if (status == Status.None) revert EmergencyAccessUnknownRequest(id);
        if (request.patient != msg.sender) revert EmergencyAccessNotPatient(id, msg.sender);
        if (status != Status.Open && status != Status.Waiting) revert EmergencyAccessWrongStatus(id, status);
        request.status = Status.Cancelled;
        emit EmergencyCancelled(id, msg.sender);
    }

    /// @inheritdoc IEmergencyAccess
    function finalize(uint256 id) external {
        Request storage request = _requests[id];
        Status status = request.status;
        if (status == Status.None) revert EmergencyAccessUnknownRequest(id);
        if (status != Status.Waiting) revert EmergencyAccessWrongStatus(id, status);
        _checkEpoch(id, request);
        uint64 readyAt = request.readyAt;
        if (block.timestamp < readyAt) revert EmergencyAccessWaiting(id, readyAt);
        request.status = Status.Finalized;
        emit EmergencyFinalized(id, request.patient, request.provider);
    }

    /// @inheritdoc IEmergencyAccess
    function release(uint256 id, bytes calldata sealedPointer) external {
        _checkPayload(sealedPointer.length);
        Request storage request = _requests[id];
        Status status = request.status;
        if (status == Status.None) revert EmergencyAccessUnknownRequest(id);
        if (status != Status.Finalized) revert EmergencyAccessWrongStatus(id, status);
        _checkEpoch(id, request);
        uint16 bit = _bitOf(request, msg.sender);
        if (bit == 0 || request.approved & bit == 0 || request.released & bit != 0) revert EmergencyAccessCannotRelease(id, msg.sender);
        request.released |= bit;
        emit EmergencyShareReleased(id, msg.sender, request.patient, sealedPointer);
    }

    /// @inheritdoc IEmergencyAccess
    function guardiansOf(address patient)
        external
        view
        returns (address[] memory guardians, uint8 threshold, uint32 waitingPeriod, uint32 epoch, bytes32 keyCommitment)
    {
        Guardianship memory g = _guardianship[patient];
        return (_guardians[patient], g.threshold, g.waitingPeriod, g.epoch, _keyCommitment[patient]);
    }

    /// @inheritdoc IEmergencyAccess
    function requestOf(uint256 id)
        external
        view
        returns (address provider, address patient, uint32 epoch, uint8 approvals, Status status, uint64 readyAt)
    {
        Request storage r = _requests[id];
        return (r.provider, r.patient, r.epoch, r.approvals, r.status, r.readyAt);
    }

    /// @inheritdoc IEmergencyAccess
    function guardianStateOf(uint256 id, address guardian) external view returns (bool approved, bool released) {
        Request storage request = _requests[id];
        uint16 bit = _bitOf(request, guardian);
        return (request.approved & bit != 0, request.released & bit != 0);
    }

    /// @inheritdoc IEmergencyAccess
    function approvalDigest(uint256 id) external view returns (bytes32 digest) {
        Request storage r = _requests[id];
        return _approvalDigest(id, r.patient, r.epoch);
    }

    /// @inheritdoc IEmergencyAccess
    function requestCount() external view returns (uint256 count) {
        return _count;
    }

    /// @inheritdoc IEmergencyAccess
    function keyRegistry() external view returns (address registry) {
        return address(_registry);
    }

    function _openRequest(uint256 id, Request storage request) private view returns (Guardianship memory g) {
        Status status = request.status;
        if (status == Status.None) revert EmergencyAccessUnknownRequest(id);
        // Approvals after the threshold add nothing a release needs: only t guardians may release.
        if (status != Status.Open) revert EmergencyAccessWrongStatus(id, status);
        g = _checkEpoch(id, request);
    }

    function _checkEpoch(uint256 id, Request storage request) private view returns (Guardianship memory g) {
        g = _guardianship[request.patient];
        if (g.epoch != request.epoch) revert EmergencyAccessStaleEpoch(id, request.epoch, g.epoch);
    }

    function _approve(uint256 id, Request storage request, Guardianship memory g, address guardian) private {
        if (request.status != Status.Open) return;
        uint16 bit = _bitOf(request, guardian);
        if (bit == 0) revert EmergencyAccessNotGuardian(id, guardian);
        if (request.approved & bit != 0) revert EmergencyAccessAlreadyApproved(id, guardian);
        request.approved |= bit;
        uint8 approvals = request.approvals + 1;
        request.approvals = approvals;
        emit EmergencyApproved(id, guardian, request.patient, approvals);
        if (approvals == g.threshold) {
            uint64 readyAt = uint64(block.timestamp) + g.waitingPeriod;
            request.status = Status.Waiting;
            request.readyAt = readyAt;
            emit EmergencyThresholdReached(id, request.patient, readyAt);
        }
    }

    /// The guardian's bit in the request's approved/released masks; 0 when not a guardian of its epoch.
    function _bitOf(Request storage request, address account) private view returns (uint16) {
        uint256 slot = _guardianSlot[request.patient][request.epoch][account];
        return slot == 0 ? 0 : uint16(1 << (slot - 1));
    }

    function _approvalDigest(uint256 id, address patient, uint32 epoch) private view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, address(this)));
        bytes32 structHash = keccak256(abi.encode(_APPROVAL_TYPEHASH, id, patient, epoch));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _checkPayload(uint256 length) private pure {
        if (length == 0 || length > _MAX_PAYLOAD) revert EmergencyAccessInvalidPayload(length, _MAX_PAYLOAD);
    }
}
