"""The registered partitions of a `SnapshotPartitionTable`: where each published period lives.

A snapshot table's partitions are registered in the catalog, each at the folder of the run that
published it (`gluelake.snapshot`). Registering a partition, or moving its location to a new
folder, is how a load is published: readers through the catalog (Athena, Spark's `spark.table`)
see a period from that moment, and only the folder it names.

Two implementations of `PartitionCatalog`:

* `GlueCatalog`: the AWS Glue Data Catalog through boto3 (`GetPartitions`, `GetTable`,
  `CreatePartition`, `UpdatePartition`): what a job uses on Glue.
* `SparkCatalog`: Spark SQL (`SHOW PARTITIONS`, `DESCRIBE ... PARTITION`, `ALTER TABLE ... ADD
  PARTITION ... LOCATION`, `ALTER TABLE ... PARTITION ... SET LOCATION`) on the session's catalog:
  the local Hive metastore of a test or a laptop run.

`default_catalog` picks the first for tables on `s3://` and the second otherwise.
PySpark and boto3 are imported inside the functions: importing this module needs neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gluelake.arguments import SnapshotTable

__all__ = ["PartitionCatalog", "GlueCatalog", "SparkCatalog", "default_catalog"]


@runtime_checkable
class PartitionCatalog(Protocol):
    """The registered partitions of one table with a single string partition key."""

    def locations(self) -> dict[str, str]:
        """Every registered partition: its value -> its location (a URI, as the catalog holds it)."""
        ...

    def publish(self, value: str, location: str) -> None:
        """Registers the partition `value` at `location`, or moves it there when it is registered."""
        ...


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(value: str) -> str:
    """A Spark SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SparkCatalog:
    """`PartitionCatalog` on the Spark session's catalog, by Spark SQL.

    Args:
        spark: the session (with a Hive metastore: `enableHiveSupport()`, or Glue's Data Catalog).
        database: the table's database.
        table: the table's name.
        partition_key: the table's partition key.
    """

    def __init__(self, spark: SparkSession, database: str, table: str, partition_key: str) -> None:
        self._spark = spark
        self._name = f"{_quote(database)}.{_quote(table)}"
        self._key = partition_key

    def _spec(self, value: str) -> str:
        return f"PARTITION ({_quote(self._key)} = {_literal(value)})"

    def _values(self) -> list[str]:
        prefix = f"{self._key}="
        values = []
        for row in self._spark.sql(f"SHOW PARTITIONS {self._name}").collect():
            spec = row[0]
            if not spec.startswith(prefix):
                raise ValueError(f"SparkCatalog: the table {self._name} has the partition {spec!r}; "
                                 f"expected one partition key, {self._key!r}")
            values.append(_unescape(spec[len(prefix):]))
        return values

    def locations(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for value in self._values():
            rows = self._spark.sql(f"DESCRIBE TABLE EXTENDED {self._name} {self._spec(value)}").collect()
            location = next((row[1] for row in rows if row[0] == "Location"), None)
            if location is None:
                raise ValueError(f"SparkCatalog: the partition {self._key}={value} of {self._name} has no location")
            result[value] = location
        return result

    def publish(self, value: str, location: str) -> None:
        if value in self._values():
            self._spark.sql(f"ALTER TABLE {self._name} {self._spec(value)} SET LOCATION {_literal(location)}")
        else:
            self._spark.sql(f"ALTER TABLE {self._name} ADD {self._spec(value)} LOCATION {_literal(location)}")
        # Spark caches a table's file listing per session: readers in this session see the new folder.
        self._spark.catalog.refreshTable(self._name)


def _unescape(text: str) -> str:
    """A partition value as Hive escapes it in a partition spec (`%2F` for `/`, `%3A` for `:`), unescaped."""
    from urllib.parse import unquote

    return unquote(text)


class GlueCatalog:
    """`PartitionCatalog` on the AWS Glue Data Catalog, by boto3.

    A new partition gets the table's storage descriptor (columns, formats, SerDe) with its own
    location. Calls: `GetPartitions` (all pages), `GetTable`, `CreatePartition` and, for a
    registered partition or when another writer created it first, `UpdatePartition`.

    Args:
        database: the table's database.
        table: the table's name.
        client: a boto3 Glue client; `boto3.client("glue")` when not given.
        catalog_id: the catalog's account; the caller's when not given.
    """

    def __init__(self, database: str, table: str, client: Any = None, catalog_id: str | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("glue")
        self._client = client
        self._ids: dict[str, str] = {"DatabaseName": database, "TableName": table}
        if catalog_id:
            self._ids["CatalogId"] = catalog_id
        self._descriptor: dict[str, Any] | None = None

    def locations(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for page in self._client.get_paginator("get_partitions").paginate(**self._ids):
            for partition in page.get("Partitions", []):
                values = partition.get("Values", [])
                if len(values) != 1:
                    raise ValueError(f"GlueCatalog: the table {self._ids['DatabaseName']}.{self._ids['TableName']} "
                                     f"has the partition {values!r}; expected one partition key")
                result[values[0]] = partition.get("StorageDescriptor", {}).get("Location", "")
        return result

    def _partition_input(self, value: str, location: str) -> dict[str, Any]:
        if self._descriptor is None:
            table = self._client.get_table(DatabaseName=self._ids["DatabaseName"], Name=self._ids["TableName"],
                                           **({"CatalogId": self._ids["CatalogId"]} if "CatalogId" in self._ids else {}))
            self._descriptor = dict(table["Table"].get("StorageDescriptor", {}))
        return {"Values": [value], "StorageDescriptor": {**self._descriptor, "Location": location}}

    def publish(self, value: str, location: str) -> None:
        partition_input = self._partition_input(value, location)
        try:
            self._client.create_partition(PartitionInput=partition_input, **self._ids)
        except self._client.exceptions.AlreadyExistsException:
            self._client.update_partition(PartitionValueList=[value], PartitionInput=partition_input, **self._ids)


def default_catalog(spark: SparkSession, table: SnapshotTable, *, glue: Any = None) -> PartitionCatalog:
    """The catalog of `table`: `GlueCatalog` for a table on `s3://`, `SparkCatalog` otherwise.

    Args:
        spark: the session.
        table: the bound table.
        glue: a boto3 Glue client for `GlueCatalog`; created when needed and not given.
    """
    if table.path.startswith("s3://"):
        return GlueCatalog(table.database, table.table, client=glue)
    return SparkCatalog(spark, table.database, table.table, table.partition_key)
