// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Bytes packed into a head slot and fixed tail words
/// @notice The registries keep a short byte string in the low-order end of a
/// slot shared with metadata (the head) and the rest in consecutive 32-byte
/// tail words, so the common short value costs one slot. This library writes
/// and reads the tail; each registry packs its own head.
/// @dev `tail` is the storage slot of the first tail word (a fixed
/// `bytes32[N]`'s `.slot`). Callers bound the length, so the words written
/// never pass the array's end.
library PackedBytes {
    /// @notice The slot of a two-word tail.
    function slotOf(bytes32[2] storage tail) internal pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := tail.slot
        }
    }

    /// @notice Stores `data[headBytes:]` as tail words, the last one zero-padded on the right.
    function storeTail(uint256 tail, bytes calldata data, uint256 headBytes) internal {
        assembly ("memory-safe") {
            let length := data.length
            for {
                let start := headBytes
                let slot := tail
            } lt(start, length) {
                start := add(start, 32)
                slot := add(slot, 1)
            } {
                let word := calldataload(add(data.offset, start))
                // The last word: keep only the value's bytes, not what follows it in calldata.
                let rest := sub(length, start)
                if lt(rest, 32) { word := and(word, not(shr(mul(8, rest), not(0)))) }
                sstore(slot, word)
            }
        }
    }

    /// @notice The `length` bytes whose first `headBytes` are `first` (left-aligned) and the rest the tail words.
    function load(bytes32 first, uint256 tail, uint256 length, uint256 headBytes) internal view returns (bytes memory out) {
        // Room for whole words past the end: the copies below write 32 bytes at a time.
        // Tail words of a longer earlier value are never read: only words below `length` are.
        out = new bytes(length + 64);
        assembly ("memory-safe") {
            let data := add(out, 32)
            mstore(data, first)
            for {
                let start := headBytes
                let slot := tail
            } lt(start, length) {
                start := add(start, 32)
                slot := add(slot, 1)
            } { mstore(add(data, start), sload(slot)) }
            mstore(out, length)
        }
    }
}
