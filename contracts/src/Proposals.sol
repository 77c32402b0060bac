// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IKeyRegistry} from "./IKeyRegistry.sol";
import {IProposals} from "./IProposals.sol";

/// @title Carevault proposals
/// @notice Providers write proposals, each patient decides only its own
///         (authorised by msg.sender). Storage keeps what a decision needs.
contract Proposals is IProposals {
    uint256 private constant _MAX_PAYLOAD = 8192;

    // Two slots per proposal: the provider alone, and the patient packed with
    // the status and decision time, so a decision rewrites a single slot.
    struct Proposal {
        address provider;
        address patient;
        Status status;
        uint64 decidedAt;
    }

    IKeyRegistry private immutable _registry;
    uint256 private _count;
    mapping(uint256 id => Proposal) private _proposals;

    /// @param registry The key registry holding provider profiles and patients' keys.
    constructor(IKeyRegistry registry) {
        _registry = registry;
    }

    /// @inheritdoc IProposals
    function propose(address patient, bytes calldata sealedPayload) external returns (uint256 id) {
        uint256 length = sealedPayload.length;
        if (length == 0) revert ProposalsEmptyPayload();
        if (length > _MAX_PAYLOAD) revert ProposalsPayloadTooLong(length, _MAX_PAYLOAD);
        if (!_registry.isProvider(msg.sender)) revert ProposalsNotProvider(msg.sender);
        if (!_registry.hasKeys(patient)) revert ProposalsPatientNotRegistered(patient);

        id = _count;
        _count = id + 1;
        _proposals[id] = Proposal({provider: msg.sender, patient: patient, status: Status.Pending, decidedAt: 0});
        emit ProposalMade(id, msg.sender, patient, sealedPayload);
    }

    /// @inheritdoc IProposals
    function accept(uint256 id, bytes32 anchorRoot) external {
        Proposal storage proposal = _decide(id, Status.Accepted);
        emit ProposalAccepted(id, msg.sender, proposal.provider, anchorRoot);
    }

    /// @inheritdoc IProposals
    function reject(uint256 id) external {
        Proposal storage proposal = _decide(id, Status.Rejected);
        emit ProposalRejected(id, msg.sender, proposal.provider);
    }

    /// @inheritdoc IProposals
    function proposalOf(uint256 id)
        external
        view
        returns (address provider, address patient, Status status, uint64 decidedAt)
    {
        Proposal storage proposal = _proposals[id];
        return (proposal.provider, proposal.patient, proposal.status, proposal.decidedAt);
    }

    /// @inheritdoc IProposals
    function proposalCount() external view returns (uint256 count) {
        return _count;
    }

    /// @inheritdoc IProposals
    function keyRegistry() external view returns (address registry) {
        return address(_registry);
    }

    function _decide(uint256 id, Status decision) private returns (Proposal storage proposal) {
        proposal = _proposals[id];
        Status status = proposal.status;
        if (status == Status.None) revert ProposalsUnknown(id);
        if (proposal.patient != msg.sender) revert ProposalsNotPatient(id, msg.sender);
        if (status != Status.Pending) revert ProposalsAlreadyDecided(id, status);
        proposal.status = decision;
        proposal.decidedAt = uint64(block.timestamp);
    }
}
