package io.cairn.apiserver.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
            "100m, 100m", "1000m, 1", "0.5, 500m", "2.5, 2500m", "1, 1", "1000, 1k", "1500, 1500", "12000, 12k",
            "500M, 500M", "1G, 1G", "1Gi, 1Gi", "1024Mi, 1Gi", "1.5Gi, 1536Mi", "0.5Gi, 512Mi", "512, 512",
            "1e3, 1e3", "1.5e3, 1500", "1E6, 1e6", "0, 0", "-1, -1", "+2, 2", "0.1n, 1n", "1.000000001, 1000000001n",
            ".5, 500m", "5., 5"})
    void parsesAndPrintsInKubernetesCanonicalForm(String in, String canonical) {
        assertThat(Quantity.parse(in).toString()).isEqualTo(canonical);
    }

    @Test
    void cpuInMillicoresAndMemoryInBytes() {
        assertThat(Quantity.parse("100m").milliValue()).isEqualTo(100);
        assertThat(Quantity.parse("2").milliValue()).isEqualTo(2000);
        assertThat(Quantity.parse("0.5").milliValue()).isEqualTo(500);
        assertThat(Quantity.parse("1e3").milliValue()).isEqualTo(1_000_000);
        assertThat(Quantity.parse("1Gi").bytes()).isEqualTo(1L << 30);
        assertThat(Quantity.parse("500M").bytes()).isEqualTo(500_000_000L);
        assertThat(Quantity.parse("1.5Ki").bytes()).isEqualTo(1536);
        // Kubernetes rounds up: a fraction of a millicore is still a millicore, a fraction of a byte a byte.
        assertThat(Quantity.parse("1u").milliValue()).isEqualTo(1);
        assertThat(Quantity.parse("100m").value()).isEqualTo(1);
    }

    @Test
    void schedulerAmountsCpuInMillicoresOthersInBaseUnitsRoundedUp() {
        assertThat(Quantity.parse("500m").amountFor("cpu")).isEqualTo(500);
        assertThat(Quantity.parse("1.5").amountFor("cpu")).isEqualTo(1500);
        assertThat(Quantity.parse("2").amountFor("cpu")).isEqualTo(2000);
        assertThat(Quantity.parse("0.1m").amountFor("cpu")).isEqualTo(1); // rounded up
        assertThat(Quantity.parse("128Mi").amountFor("memory")).isEqualTo(128L << 20);
        assertThat(Quantity.parse("1Gi").amountFor("memory")).isEqualTo(1L << 30);
        assertThat(Quantity.parse("1G").amountFor("memory")).isEqualTo(1_000_000_000L);
        assertThat(Quantity.parse("1.5Ki").amountFor("memory")).isEqualTo(1536);
        assertThat(Quantity.parse("1e3").amountFor("memory")).isEqualTo(1000);
        assertThat(Quantity.parse("2").amountFor("example.com/gpu")).isEqualTo(2);
    }

    @Test
    void comparesByValueWhateverTheNotation() {
        assertThat(Quantity.parse("1000m")).isEqualTo(Quantity.parse("1"));
        assertThat(Quantity.parse("1000m").hashCode()).isEqualTo(Quantity.parse("1").hashCode());
        assertThat(Quantity.parse("1Gi")).isGreaterThan(Quantity.parse("1G"));
        assertThat(Quantity.parse("0.1")).isLessThan(Quantity.parse("101m"));
        assertThat(Quantity.parse("1Ki").plus(Quantity.parse("1Ki")).toString()).isEqualTo("2Ki");
    }

    @Test
    void readsJsonNumbersAndStrings() {
        assertThat(Quantity.of(JsonNodeFactory.instance.numberNode(2)).milliValue()).isEqualTo(2000);
        assertThat(Quantity.of(JsonNodeFactory.instance.numberNode(new java.math.BigDecimal("0.25"))).toString())
                .isEqualTo("250m");
        assertThat(Quantity.of(JsonNodeFactory.instance.textNode("64Mi")).bytes()).isEqualTo(64L << 20);
        assertThat(Quantity.orNull(JsonNodeFactory.instance.textNode("lots"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1.5.5", "1Gb", "1 Gi", "10%", "1Qi", "1.."})
    void refusesMalformedQuantitiesWithKubesMessage(String in) {
        assertThatThrownBy(() -> Quantity.parse(in)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quantities must match the regular expression "
                        + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1Ki3", "1e", "5mi", "1kK", "Gi1"})
    void refusesUnknownSuffixes(String in) {
        assertThatThrownBy(() -> Quantity.parse(in)).hasMessage("unable to parse quantity's suffix");
    }
}
