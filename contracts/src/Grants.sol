// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IGrants} from "./IGrants.sol";
import {IKeyRegistry} from "./IKeyRegistry.sol";

/// @title Carevault grants
/// @notice Patients grant and revoke access (authorised by msg.sender);
///         registered providers ask for access. Sealed pointers, commitments and
///         sealed requests live in events only.
contract Grants is IGrants {
    uint256 private constant _MAX_POINTER = 1024;
    uint256 private constant _MAX_REQUEST = 2048;

    // One slot per grant: what authorisation and `isActive` read. Grantees are
    // in the events only, which keeps a grant near 60,000 gas (a stored grantee
    // would add 22,100). A request keeps its requester (a second slot, paid by
    // the provider who asks) so that an approval can only grant to it.
    // The slot's last 6 bytes hold a tag of the grantee (keccak256(grantee, id), first 48 bits),
    // so that `reportAccess` can refuse anyone but the grantee at no extra storage cost. A tag
    // is not the address: finding another key whose tag matches one grant takes about 2^48
    // key generations, and readers of `AccessReported` compare the reporter with the grantee
    // named in `Granted` anyway. Expiries fit in 40 bits (seconds until the year 36812).
    struct Grant {
        address patient;
        uint40 expiresAt;
        bool revoked;
        bytes6 granteeTag;
    }

    struct Request {
        address patient;
        RequestStatus status;
        address requester;
    }

    IKeyRegistry private immutable _registry;
    uint256 private _grantCount;
    uint256 private _requestCount;
    mapping(uint256 id => Grant) private _grants;
    mapping(uint256 id => Request) private _requests;

    /// @param registry The key registry holding provider profiles and patients' keys.
    constructor(IKeyRegistry registry) {
        _registry = registry;
    }

    /// @inheritdoc IGrants
    function grant(address grantee, uint64 expiresAt, bytes calldata sealedPointer, bytes32 commitment)
        external
        returns (uint256 id)
    {
        return _grant(grantee, expiresAt, sealedPointer, commitment);
    }

    /// @inheritdoc IGrants
    function updatePointer(uint256 id, bytes calldata sealedPointer, bytes32 commitment) external {
        _checkPointer(sealedPointer, commitment);
        Grant memory g = _patientsGrant(id);
        if (g.revoked) revert GrantsRevoked(id);
        if (_expired(g)) revert GrantsExpired(id);
        emit GrantPointerUpdated(id, commitment, sealedPointer);
    }

    /// @inheritdoc IGrants
    function revoke(uint256 id) external {
        Grant memory g = _patientsGrant(id);
        if (g.revoked) revert GrantsRevoked(id);
        _grants[id].revoked = true;
        emit Revoked(id, msg.sender);
    }

    /// @inheritdoc IGrants
    function reportAccess(uint256 id, uint32 count) external {
        Grant memory g = _grants[id];
        if (g.patient == address(0)) revert GrantsUnknown(id);
        if (g.granteeTag != _granteeTag(msg.sender, id)) revert GrantsNotGrantee(id, msg.sender);
        if (g.revoked) revert GrantsRevoked(id);
        if (_expired(g)) revert GrantsExpired(id);
        if (count == 0) revert GrantsZeroCount();
        emit AccessReported(id, g.patient, msg.sender, count);
    }

    /// @inheritdoc IGrants
    function isActive(uint256 id) external view returns (bool active) {
        return _active(_grants[id]);
    }

    /// @inheritdoc IGrants
    function grantOf(uint256 id)
        external
        view
        returns (address patient, uint64 expiresAt, bool revoked, bool active)
    {
        Grant memory g = _grants[id];
        return (g.patient, g.expiresAt, g.revoked, _active(g));
    }

    /// @inheritdoc IGrants
    function grantCount() external view returns (uint256 count) {
        return _grantCount;
    }

    /// @inheritdoc IGrants
    function requestAccess(address patient, bytes calldata sealedRequest) external returns (uint256 id) {
        uint256 length = sealedRequest.length;
        if (length == 0) revert GrantsEmptyRequest();
        if (length > _MAX_REQUEST) revert GrantsRequestTooLong(length, _MAX_REQUEST);
        if (!_registry.isProvider(msg.sender)) revert GrantsNotProvider(msg.sender);
        if (!_registry.hasKeys(patient)) revert GrantsPatientNotRegistered(patient);

        id = _requestCount + 1;
        _requestCount = id;
        _requests[id] = Request({patient: patient, status: RequestStatus.Pending, requester: msg.sender});
        emit AccessRequested(id, msg.sender, patient, sealedRequest);
    }

    /// @inheritdoc IGrants
    function approveRequest(uint256 id, uint64 expiresAt, bytes calldata sealedPointer, bytes32 commitment)
        external
        returns (uint256 grantId)
    {
        Request storage request = _pendingRequest(id);
        // The grantee is the requester as recorded when it asked: an approval cannot name anyone else's grant.
        grantId = _grant(request.requester, expiresAt, sealedPointer, commitment);
        request.status = RequestStatus.Approved;
        emit AccessRequestAnswered(id, msg.sender, true, grantId);
    }

    /// @inheritdoc IGrants
    function declineRequest(uint256 id) external {
        Request storage request = _pendingRequest(id);
        request.status = RequestStatus.Declined;
        emit AccessRequestAnswered(id, msg.sender, false, 0);
    }

    /// @inheritdoc IGrants
    function requestOf(uint256 id) external view returns (address patient, address requester, RequestStatus status) {
        Request storage request = _requests[id];
        return (request.patient, request.requester, request.status);
    }

    /// @inheritdoc IGrants
    function requestCount() external view returns (uint256 count) {
        return _requestCount;
    }

    /// @inheritdoc IGrants
    function keyRegistry() external view returns (address registry) {
        return address(_registry);
    }

    function _grant(address grantee, uint64 expiresAt, bytes calldata sealedPointer, bytes32 commitment)
        private
        returns (uint256 id)
    {
        _checkPointer(sealedPointer, commitment);
        if (grantee == address(0)) revert GrantsZeroGrantee();
        if (expiresAt != 0 && expiresAt <= block.timestamp) revert GrantsExpiryInPast(expiresAt, block.timestamp);
        if (expiresAt > type(uint40).max) revert GrantsExpiryTooLate(expiresAt, type(uint40).max);

        id = _grantCount + 1;
        _grantCount = id;
        _grants[id] = Grant({
            patient: msg.sender, expiresAt: uint40(expiresAt), revoked: false, granteeTag: _granteeTag(grantee, id)
        });
        emit Granted(id, msg.sender, grantee, expiresAt, commitment, sealedPointer);
    }

    function _pendingRequest(uint256 id) private view returns (Request storage request) {
        request = _requests[id];
        RequestStatus status = request.status;
        if (status == RequestStatus.None) revert GrantsRequestUnknown(id);
        if (request.patient != msg.sender) revert GrantsNotRequestedPatient(id, msg.sender);
        if (status != RequestStatus.Pending) revert GrantsRequestAlreadyAnswered(id);
    }

    function _checkPointer(bytes calldata sealedPointer, bytes32 commitment) private pure {
        uint256 length = sealedPointer.length;
        if (length == 0) revert GrantsEmptyPointer();
        if (length > _MAX_POINTER) revert GrantsPointerTooLong(length, _MAX_POINTER);
        if (commitment == bytes32(0)) revert GrantsZeroCommitment();
    }

    function _patientsGrant(uint256 id) private view returns (Grant memory g) {
        g = _grants[id];
        if (g.patient == address(0)) revert GrantsUnknown(id);
        if (g.patient != msg.sender) revert GrantsNotPatient(id, msg.sender);
    }

    function _granteeTag(address grantee, uint256 id) private pure returns (bytes6) {
        return bytes6(keccak256(abi.encodePacked(grantee, id)));
    }

    function _expired(Grant memory g) private view returns (bool) {
        return g.expiresAt != 0 && block.timestamp >= g.expiresAt;
    }

    function _active(Grant memory g) private view returns (bool) {
        return g.patient != address(0) && !g.revoked && !_expired(g);
    }
}
