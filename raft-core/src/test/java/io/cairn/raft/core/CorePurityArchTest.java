package io.cairn.raft.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The core must stay a pure, deterministic state machine (DESIGN.md, raft-core): no network, storage,
 * concurrency, threads, wall clocks or unseeded randomness. If any of these creeps in, a simulator seed no
 * longer replays and the core can no longer be tested exhaustively, so the build fails.
 */
class CorePurityArchTest {
    private static final String CORE = "io.cairn.raft.core..";

    private final JavaClasses core = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cairn.raft.core");

    @Test
    void coreUsesNoNettyRocksDbOrIo() {
        ArchRule rule = noClasses().that().resideInAPackage(CORE).should().dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "org.rocksdb..", "java.io..", "java.nio..", "java.net..",
                        "java.util.concurrent..")
                .because("the core is pure: I/O and concurrency belong to the runtime");
        rule.check(core);
    }

    @Test
    void coreUsesNoThreadsClocksOrUnseededRandomness() {
        ArchRule rule = noClasses().that().resideInAPackage(CORE).should().dependOnClassesThat()
                .haveFullyQualifiedName("java.lang.Thread")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.SplittableRandom")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Math$RandomNumberGeneratorHolder")
                .orShould().dependOnClassesThat().resideInAnyPackage("java.time..")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Math.class, "random")
                .because("time and randomness enter the core only through tick() and RandomSource");
        rule.check(core);
    }
}
