// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IKeyRegistry} from "./IKeyRegistry.sol";
import {IResearchConsent} from "./IResearchConsent.sol";

/// @title Carevault research consent
/// @notice Studies, and each patient's revocable consent to them; every write is
///         authorised by msg.sender (the researcher for its study, the patient for
///         its consent).
contract ResearchConsent is IResearchConsent {
    uint256 private constant _MAX_PURPOSE = 512;
    uint256 private constant _MAX_POINTER = 512;

    IKeyRegistry private immutable _keys;

    // One slot per study: researcher (160) | categories (16) | endsAt (64).
    struct Study {
        address researcher;
        uint16 categories;
        uint64 endsAt;
    }

    // One slot per (study, patient): both times packed.
    struct Consent {
        uint64 givenAt;
        uint64 withdrawnAt;
    }

    Study[] private _studies;
    mapping(uint256 studyId => mapping(address patient => Consent)) private _consents;

    /// @param keyRegistry The KeyRegistry whose Researcher profiles may register studies.
    constructor(IKeyRegistry keyRegistry) {
        _keys = keyRegistry;
    }

    /// @inheritdoc IResearchConsent
    function registerStudy(string calldata purpose, uint16 categories, uint64 endsAt) external returns (uint256 studyId) {
        (, uint8 role,) = _keys.providerOf(msg.sender);
        if (role != uint8(IKeyRegistry.ProviderRole.Researcher)) revert ResearchConsentNotResearcher(msg.sender);
        uint256 length = bytes(purpose).length;
        if (length == 0) revert ResearchConsentEmptyPurpose();
        if (length > _MAX_PURPOSE) revert ResearchConsentPurposeTooLong(length, _MAX_PURPOSE);
        if (categories == 0) revert ResearchConsentNoCategories();
        if (endsAt <= block.timestamp) revert ResearchConsentEndInPast(endsAt, block.timestamp);
        _studies.push(Study({researcher: msg.sender, categories: categories, endsAt: endsAt}));
        studyId = _studies.length;
        emit StudyRegistered(studyId, msg.sender, categories, endsAt, purpose);
    }

    /// @inheritdoc IResearchConsent
    function giveConsent(uint256 studyId, bytes calldata sealedPointer) external {
        Study memory study = _openStudy(studyId);
        _checkPointer(sealedPointer);
        Consent storage consent = _consents[studyId][msg.sender];
        if (consent.givenAt != 0 && consent.withdrawnAt == 0) revert ResearchConsentAlreadyGiven(studyId, msg.sender);
        consent.givenAt = uint64(block.timestamp);
        consent.withdrawnAt = 0;
        emit ConsentGiven(studyId, msg.sender, study.researcher);
        emit DataReleased(studyId, msg.sender, study.researcher, sealedPointer);
    }

    /// @inheritdoc IResearchConsent
    function release(uint256 studyId, bytes calldata sealedPointer) external {
        Study memory study = _openStudy(studyId);
        _checkPointer(sealedPointer);
        Consent memory consent = _consents[studyId][msg.sender];
        if (consent.givenAt == 0 || consent.withdrawnAt != 0) revert ResearchConsentNotGiven(studyId, msg.sender);
        emit DataReleased(studyId, msg.sender, study.researcher, sealedPointer);
    }

    /// @inheritdoc IResearchConsent
    function withdrawConsent(uint256 studyId) external {
        if (studyId == 0 || studyId > _studies.length) revert ResearchConsentUnknownStudy(studyId);
        Consent storage consent = _consents[studyId][msg.sender];
        if (consent.givenAt == 0 || consent.withdrawnAt != 0) revert ResearchConsentNotGiven(studyId, msg.sender);
        // Allowed after the study ended too: the patient's record of having said no matters.
        consent.withdrawnAt = uint64(block.timestamp);
        emit ConsentWithdrawn(studyId, msg.sender, _studies[studyId - 1].researcher);
    }

    /// @inheritdoc IResearchConsent
    function studyOf(uint256 studyId) external view returns (address researcher, uint16 categories, uint64 endsAt) {
        if (studyId == 0 || studyId > _studies.length) return (address(0), 0, 0);
        Study memory s = _studies[studyId - 1];
        return (s.researcher, s.categories, s.endsAt);
    }

    /// @inheritdoc IResearchConsent
    function studyCount() external view returns (uint256 count) {
        return _studies.length;
    }

    /// @inheritdoc IResearchConsent
    function consentOf(uint256 studyId, address patient) external view returns (uint64 givenAt, uint64 withdrawnAt) {
        Consent memory c = _consents[studyId][patient];
        return (c.givenAt, c.withdrawnAt);
    }

    /// @inheritdoc IResearchConsent
    function isConsentActive(uint256 studyId, address patient) external view returns (bool active) {
        if (studyId == 0 || studyId > _studies.length) return false;
        Consent memory c = _consents[studyId][patient];
        return c.givenAt != 0 && c.withdrawnAt == 0 && block.timestamp < _studies[studyId - 1].endsAt;
    }

    function _openStudy(uint256 studyId) private view returns (Study memory study) {
        if (studyId == 0 || studyId > _studies.length) revert ResearchConsentUnknownStudy(studyId);
        study = _studies[studyId - 1];
        if (block.timestamp >= study.endsAt) revert ResearchConsentStudyEnded(studyId, study.endsAt);
    }

    function _checkPointer(bytes calldata sealedPointer) private pure {
        if (sealedPointer.length == 0) revert ResearchConsentEmptyPointer();
        if (sealedPointer.length > _MAX_POINTER) revert ResearchConsentPointerTooLong(sealedPointer.length, _MAX_POINTER);
    }
}
