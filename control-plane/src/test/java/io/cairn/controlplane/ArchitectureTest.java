package io.cairn.controlplane;

import static com.tngtech.archunit.base.DescribedPredicate.and;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The control plane reaches the store only through the API server, as in Kubernetes: its main code may use
 * apiserver-lite's client and API types ({@code io.cairn.apiserver.client}, {@code io.cairn.apiserver.api}) and nothing
 * else of it (not the registry, storage, HTTP server or kinds), and nothing of kv-store or raft-core. Tests may start
 * an {@code ApiServer}; they are not imported here.
 */
class ArchitectureTest {
    private static final String[] ALLOWED_CAIRN = {
        "io.cairn.controlplane..", "io.cairn.apiserver.client..", "io.cairn.apiserver.api.."};
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cairn.controlplane");

    /**
     * {@code io.cairn.controlplane.up} is the one exception: it starts the control plane inside {@code cairn up}'s
     * process, beside the {@code ApiServer} it is handed, and takes its in-process client from it.
     */
    @Test
    void ofCairnOnlyTheApiServersClientAndApiTypes() {
        noClasses().that().resideInAPackage("io.cairn.controlplane..")
                .and().resideOutsideOfPackage("io.cairn.controlplane.up..")
                .should().dependOnClassesThat(and(resideInAPackage("io.cairn.."), resideOutsideOfPackages(ALLOWED_CAIRN)))
                .because("controllers reach the store only through the API server's client")
                .check(MAIN);
    }

    @Test
    void ofThirdPartiesOnlyJacksonAndSlf4j() {
        classes().that().resideInAPackage("io.cairn.controlplane..")
                .and().resideOutsideOfPackage("io.cairn.controlplane.up..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.cairn.controlplane..",
                        "io.cairn.apiserver.client..", "io.cairn.apiserver.api..", "java..",
                        "com.fasterxml.jackson..", "org.slf4j..")
                .check(MAIN);
    }
}
