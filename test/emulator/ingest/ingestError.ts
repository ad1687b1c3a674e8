// An ingestion failure with the error code and permanence the status reports carry.
export class IngestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent = true,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}
