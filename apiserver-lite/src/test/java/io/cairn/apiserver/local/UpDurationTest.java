package io.cairn.apiserver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link LocalControlPlane#duration}: Go durations as Kubernetes' flags take them. */
class UpDurationTest {
    @Test
    void goDurationsParse() {
        assertThat(LocalControlPlane.duration("40s")).isEqualTo(Duration.ofSeconds(40));
        assertThat(LocalControlPlane.duration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(LocalControlPlane.duration("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(LocalControlPlane.duration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(LocalControlPlane.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(LocalControlPlane.duration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(LocalControlPlane.duration("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void othersAreRefused() {
        for (String bad : new String[] {"", "40", "s", "1x", "1m 30s", "-1s"}) {
            assertThatThrownBy(() -> LocalControlPlane.duration(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
