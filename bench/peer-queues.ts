// Names shared by bench/peer.ts and its BullMQ worker; no project imports, so the benchmark can load it before
// it sets the environment that config() reads once.
export const PEER_QUEUES = { stage: 'peer-stage', insight: 'peer-insight' } as const;
/** One flow job per stage, in the order they must run: each depends on the one before. */
export const PEER_STAGES = ['store', 'normalise', 'entities', 'embedding', 'classify', 'relate', 'finish'] as const;
export type PeerStage = (typeof PEER_STAGES)[number];
