// Public surface of the durable queue.
export { DiskQueue, DiskFullError, type QueueBatch, type QueuePosition, type DiskQueueOptions } from './disk-queue.js';
export { QuotaManager, type EvictableQueue } from './quota-manager.js';
export { FileCheckpointStore } from './checkpoint-store.js';
export { ScratchBuffer } from './scratch-buffer.js';
export { HEADER_BYTES } from './framing.js';
