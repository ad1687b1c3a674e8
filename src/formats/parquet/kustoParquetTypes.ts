// Which Parquet column each Kusto type becomes (docs/type-mapping.md, "Kusto → files").
// Every column is OPTIONAL; the modern LogicalType and the legacy ConvertedType are both written
// so that old and new readers (parquet-mr in Spark, Arrow) agree.
import type { ColumnSchema } from '../../engine/rows';
import { DECIMAL_PRECISION, DECIMAL_SCALE } from './kustoParquetValues';
import { type ColumnDescriptor, ConvertedType, PhysicalType } from './parquetFormat';

export function parquetColumnFor(column: ColumnSchema): ColumnDescriptor {
  const name = column.name;
  switch (column.type) {
    case 'bool':
      return { name, physicalType: PhysicalType.BOOLEAN };
    case 'int':
      return { name, physicalType: PhysicalType.INT32 };
    case 'long':
      return { name, physicalType: PhysicalType.INT64 };
    case 'real':
      return { name, physicalType: PhysicalType.DOUBLE };
    case 'decimal':
      return {
        name,
        physicalType: PhysicalType.FIXED_LEN_BYTE_ARRAY,
        typeLength: 16,
        convertedType: ConvertedType.DECIMAL,
        precision: DECIMAL_PRECISION,
        scale: DECIMAL_SCALE,
        logicalType: { kind: 'decimal', precision: DECIMAL_PRECISION, scale: DECIMAL_SCALE },
      };
    case 'datetime':
      return {
        name,
        physicalType: PhysicalType.INT64,
        convertedType: ConvertedType.TIMESTAMP_MICROS,
        logicalType: { kind: 'timestamp', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'timespan':
      // Ticks of 100 ns, unannotated: Spark reads LongType, as with Kusto's own .export.
      return { name, physicalType: PhysicalType.INT64 };
    case 'string':
    case 'guid':
    case 'dynamic':
      return { name, physicalType: PhysicalType.BYTE_ARRAY, convertedType: ConvertedType.UTF8, logicalType: { kind: 'string' } };
  }
}
