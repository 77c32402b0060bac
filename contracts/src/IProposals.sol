// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Carevault proposals interface
/// @notice A registered provider proposes a record to a patient; the patient
///         accepts or rejects it. The proposal itself travels only in the
///         `ProposalMade` event as a sealed payload (a sealed box to the
///         patient's inbox key): chain observers learn who proposed to whom and
///         when, never the record's content, title, category or CIDs.
interface IProposals {
    /// @notice Where a proposal stands. `None` is an id that was never used.
    enum Status {
        None,
        Pending,
        Accepted,
        Rejected
    }

    /// @notice The caller has not registered as a provider in the key registry.
    /// @param caller The caller.
    error ProposalsNotProvider(address caller);

    /// @notice The patient has not published keys, so nothing can be sealed to it.
    /// @param patient The addressed patient.
    error ProposalsPatientNotRegistered(address patient);

    /// @notice The sealed payload was empty.
    error ProposalsEmptyPayload();

    /// @notice The sealed payload was longer than `maxLength` bytes.
    /// @param length The length that was given.
    /// @param maxLength The largest length accepted.
    error ProposalsPayloadTooLong(uint256 length, uint256 maxLength);

    /// @notice No proposal has this id.
    /// @param id The id that was given.
    error ProposalsUnknown(uint256 id);

    /// @notice Only the addressed patient may decide on a proposal.
    /// @param id The proposal.
    /// @param caller The caller.
    error ProposalsNotPatient(uint256 id, address caller);

    /// @notice The proposal was already accepted or rejected.
    /// @param id The proposal.
    /// @param status Its decision (`Accepted` or `Rejected`).
    error ProposalsAlreadyDecided(uint256 id, Status status);

    /// @notice `provider` proposed record `id` to `patient`; only `patient` can open `sealedPayload`.
    event ProposalMade(uint256 indexed id, address indexed provider, address indexed patient, bytes sealedPayload);

    /// @notice `patient` accepted proposal `id` of `provider`; `anchorRoot` is the vault batch
    ///         root that anchors the accepted record, zero when not given.
    event ProposalAccepted(uint256 indexed id, address indexed patient, address indexed provider, bytes32 anchorRoot);

    /// @notice `patient` rejected proposal `id` of `provider`.
    event ProposalRejected(uint256 indexed id, address indexed patient, address indexed provider);

    /// @notice Proposes a record to `patient`. The caller must be a registered provider
    ///         and `patient` must have published keys.
    /// @param patient The patient the record is for.
    /// @param sealedPayload Opaque ciphertext sealed to the patient's inbox key, 1 to 8192 bytes.
    ///        Kept only in the `ProposalMade` event, never in storage.
    /// @return id The new proposal's id (ids count up from 0).
    function propose(address patient, bytes calldata sealedPayload) external returns (uint256 id);

    /// @notice Accepts proposal `id`. Only its patient, only while it is pending.
    /// @param id The proposal.
    /// @param anchorRoot Merkle root of the vault batch holding the accepted record, or zero.
    function accept(uint256 id, bytes32 anchorRoot) external;

    /// @notice Rejects proposal `id`. Only its patient, only while it is pending.
    /// @param id The proposal.
    function reject(uint256 id) external;

    /// @notice Proposal `id`; all zero (status `None`) when it does not exist.
    /// @param id The proposal.
    /// @return provider Who proposed it.
    /// @return patient Who it is for.
    /// @return status Where it stands.
    /// @return decidedAt Timestamp of the decision, 0 while pending.
    function proposalOf(uint256 id)
        external
        view
        returns (address provider, address patient, Status status, uint64 decidedAt);

    /// @notice How many proposals were made; the next id.
    /// @return count The number of proposals.
    function proposalCount() external view returns (uint256 count);

    /// @notice The key registry that says who is a provider and who has keys.
    /// @return registry Its address.
    function keyRegistry() external view returns (address registry);
}
