package io.cairn.apiserver.registry;

/**
 * One column of a {@code Table} (meta.k8s.io/v1 {@code TableColumnDefinition}): kubectl prints {@code name} upper-cased,
 * and shows columns of {@code priority} above 0 only with {@code -o wide}.
 */
public record TableColumn(String name, String type, String format, String description, int priority) {

    public static TableColumn of(String name, String type, String description) {
        return new TableColumn(name, type, "", description, 0);
    }

    public static TableColumn wide(String name, String type, String description) {
        return new TableColumn(name, type, "", description, 1);
    }

    /** The first column of every kind: the object's name. */
    public static TableColumn nameColumn() {
        return new TableColumn("Name", "string", "name",
                "Name must be unique within a namespace. Is required when creating resources, although some resources "
                        + "may allow a client to request the generation of an appropriate name automatically.", 0);
    }

    /** The Age column; its cell is the age as kubectl prints it ({@code 5m3s}, {@code 2d}). */
    public static TableColumn ageColumn() {
        return new TableColumn("Age", "string", "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);
    }

    /** The "Created At" column kubectl shows for roles and CustomResourceDefinitions (the creation timestamp as is). */
    public static TableColumn createdAtColumn() {
        return new TableColumn("Created At", "date", "", "", 0);
    }
}
