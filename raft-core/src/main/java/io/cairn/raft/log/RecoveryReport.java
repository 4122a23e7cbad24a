package io.cairn.raft.log;

import java.nio.file.Path;

/**
 * What {@link SegmentedLog#open} found on disk: how much it replayed, and whether it cut a torn tail (the last write
 * before a crash, partly on disk). A cut tail is expected after a crash and loses only writes that were never
 * synced; the simulator counts it ({@code torn-tail-cut}) to prove its crashes reach that path.
 *
 * @param segmentCount segments replayed
 * @param recordCount records replayed, segment headers included
 * @param groupCount groups with any state on disk
 * @param tornFile the segment whose tail was cut, or null if none was
 * @param tornOffset where it was cut (the first byte that did not belong to a valid record), or -1
 * @param tornReason what was wrong at that offset, or null
 */
public record RecoveryReport(int segmentCount, long recordCount, int groupCount, Path tornFile, long tornOffset,
        String tornReason) {
    /** Whether open cut a torn tail (non-zero bytes after the last valid record of the newest segment). */
    public boolean tornTailCut() {
        return tornFile != null;
    }
}
