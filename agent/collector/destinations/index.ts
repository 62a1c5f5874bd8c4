// Public surface of the destinations: the Uploader contract, batching, the delivery worker that drains a
// lane's queue through the retry policy, and the three uploaders (Logs Ingestion, custom metrics, local
// file) with the metrics aggregator. Code outside this folder imports only this file.
export type { Uploader, UploadOutcome, UploadRequest } from './uploader.js';
export { buildBatches, serializeRecord, GZIP_LEVEL, type RequestBatch } from './batcher.js';
export { RecordFrameEncoder, type EncodedFrames } from './record-frames.js';
export { DeliveryWorker, type DeliveryWorkerOptions, type LaneHealth } from './delivery-worker.js';
export { FileUploader, type FileUploaderOptions } from './file/file-uploader.js';
export {
  LogsIngestionUploader,
  LOGS_INGESTION_API_VERSION,
  LOGS_INGESTION_MAX_BYTES,
  type LogsIngestionOptions,
} from './logs-ingestion/logs-ingestion-uploader.js';
export { MetricsUploader, METRICS_AUDIENCE, type MetricsUploaderOptions } from './metrics/metrics-uploader.js';
export { MetricAggregator, GUEST_METRICS_NAMESPACE, type MetricDocument } from './metrics/metric-aggregator.js';
