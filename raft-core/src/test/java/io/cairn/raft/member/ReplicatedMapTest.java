package io.cairn.raft.member;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.server.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicatedMapTest {
    private static StateMachine.Command put(long index, String k, String v) {
        return new StateMachine.Command(index, 1, ReplicatedMap.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }

    /** The snapshot thread writes a capture while the apply thread goes on: it must hold the captured state. */
    @Test
    void aCapturedSnapshotIsTheStateAtCaptureNotWhenWritten() throws Exception {
        ReplicatedMap map = new ReplicatedMap();
        map.apply(List.of(put(1, "a", "1"), put(2, "b", "2")));
        StateMachine.SnapshotWriter capture = map.captureSnapshot();
        map.apply(List.of(put(3, "a", "changed"), put(4, "c", "3"),
                new StateMachine.Command(5, 1, ReplicatedMap.delete("b"))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        capture.writeTo(out);

        ReplicatedMap restored = new ReplicatedMap();
        restored.restoreSnapshot(new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.copy()).containsOnlyKeys("a", "b");
        assertThat(new String(restored.get("a"), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(new String(restored.get("b"), StandardCharsets.UTF_8)).isEqualTo("2");
    }
}
