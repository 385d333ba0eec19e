/** Shared contracts between components (DESIGN.md, "Contracts"). Fusion and deduplication key on chunk ids. */

export type Metadata = Record<string, string | number | boolean | null>;

export interface Chunk {
  id: string;
  docId: string;
  title?: string;
  text: string;
  headingPath?: string[];
  meta?: Metadata;
}

export interface ScoredChunk extends Chunk {
  score: number;
  /** Which retriever or reranker produced the score, e.g. "bm25". */
  source: string;
  /** The queries (the whole corrected query, sub-queries) whose retrieval found the chunk. */
  foundBy?: string[];
}

/** A node of a document's structure tree: the document, its sections and subsections, and their paragraphs. */
export interface StructureNode {
  kind: 'document' | 'section' | 'paragraph';
  /** Heading for sections, the title for the document; absent on paragraphs. */
  title?: string;
  /** Paragraph text; absent on the document and sections. */
  text?: string;
  /** Heading depth: 0 for the document, 1.. for sections; paragraphs take their parent's depth. */
  level: number;
  children: StructureNode[];
}

export type DocumentFormat = 'text' | 'markdown' | 'html';

/** A document as it arrives, before structuring and chunking. */
export interface DocumentInput {
  id: string;
  title?: string;
  text: string;
  format?: DocumentFormat;
  meta?: Metadata;
}

export interface StoredDocument {
  id: string;
  title: string;
  format: DocumentFormat;
  meta: Metadata;
  structure: StructureNode;
  chunkCount: number;
  updatedAt: string;
}

export interface Correction {
  from: string;
  to: string;
}

/** What query understanding makes of the user's text; every pipeline runs from a plan. */
export interface QueryPlan {
  original: string;
  corrected: string;
  corrections: Correction[];
  subQueries: string[];
}

export interface RetrieveOptions {
  k: number;
  filter?: MetadataFilter;
}

/** Exact-match filter on document metadata (and `docId`); every listed key must match. */
export type MetadataFilter = Record<string, string | number | boolean>;

/** A passage handed to a reader or generator: a chunk (or refined part of a document) with its rank score. */
export interface Passage {
  chunkId: string;
  docId: string;
  title?: string;
  headingPath?: string[];
  text: string;
  score: number;
  tokens: number;
  /** The queries (the whole corrected query, sub-queries) whose retrieval found the chunk. */
  foundBy?: string[];
}

/** Where an answer came from: `n` is the 1-based [n] marker, pointing at a passage. */
export interface Citation {
  n: number;
  chunkId: string;
  docId: string;
  title?: string;
  headingPath?: string[];
}

export interface Candidate {
  text: string;
  prob: number;
  /** 1-based passage numbers (the [n] of `Citation`) that support the candidate. */
  citations: number[];
}

export interface ReaderResult {
  candidates: Candidate[];
  /** Shannon entropy (nats) of the candidate distribution. */
  entropy: number;
  /** Entropy divided by its maximum, log(number of candidates): 0 certain, 1 uniform. */
  normalizedEntropy: number;
  /** Set when the configured reader could not answer and a stand-in did. */
  degraded?: Degradation;
  /** A model's whole reply, when the answer was read out of a longer one (reasoning, then "Answer: ..."). */
  generated?: string;
  /**
   * The probability the reader leaves to "none of these" because the passages miss part of the question (the
   * extractive readers); it is one of the entropy's outcomes.
   */
  unsupported?: number;
}

/** A stage that could not do its work (in time, or at all) and handed it to a stand-in: the answer says so. */
export interface Degradation {
  /** The stage that gave up, e.g. "generate". */
  stage: string;
  /** Short and stable, for clients and dashboards: "llm timeout", "llm unavailable". */
  reason: string;
  /** Who answered instead, e.g. "extractive". */
  fallback: string;
  /** What happened, for people. */
  message: string;
}

export interface PipelineResult {
  pipeline: string;
  answer: string;
  /** Probability of the chosen answer under the pipeline's own distribution; 0 when it abstained (the best guess stays in `candidates`). */
  confidence: number;
  candidates: Candidate[];
  entropy: number;
  normalizedEntropy: number;
  passages: Passage[];
  citations: Citation[];
  /** True when nothing relevant was found and the answer says so rather than guess. */
  abstained: boolean;
  /** The probability left to "none of these" (ReaderResult.unsupported): the passages miss part of the question. */
  unsupported?: number;
  /** Set when a stage fell back to a stand-in (the LLM did not answer in time: the extractive reader did). */
  degraded?: Degradation;
  /** The agentic pipeline's account of its tool loop. */
  agent?: AgentReport;
  /**
   * The LLM's whole reply when `answer` is its marked final line: what a stream of its tokens showed, so a chat
   * client gets the same text whether it streams or not.
   */
  generated?: string;
}

/** One tool call of the agentic pipeline, as the LLM made it. */
export interface AgentStep {
  /** The LLM call (1-based) that made it. */
  step: number;
  /** The tool named, as the LLM wrote it (possibly one that does not exist). */
  tool: string;
  /** The parsed arguments, or the raw text when it was not a JSON object. */
  args: Record<string, unknown> | string;
  ms: number;
  ok: boolean;
  /** Why the call was refused (told to the LLM as the tool's reply). */
  error?: string;
  /** Passages the call added to the evidence. */
  passages?: number;
}

/**
 * How the agentic pipeline's loop ended: "answered" (the LLM called answer, or replied in plain text),
 * "step-limit" (maxSteps LLM calls without an answer) or "malformed-calls" (maxMalformed bad calls in a row); in
 * the last two the answer comes from the pipeline's generator over the evidence gathered.
 */
export interface AgentReport {
  stopReason: 'answered' | 'step-limit' | 'malformed-calls';
  steps: AgentStep[];
  /** LLM calls made. */
  llmCalls: number;
  /** Tool calls refused as malformed (bad JSON, unknown tool, invalid arguments, unknown ids), in all. */
  malformedCalls: number;
  /**
   * Where the entropy comes from: the log-probabilities of the answer's own tokens, the fallback reader's
   * candidate distribution, or "unknown" (no log-probabilities for the answer: reported as the most uncertain).
   */
  entropySource: 'answer-tokens' | 'reader' | 'unknown';
  /** The reader that answered instead of the LLM's answer tool, when the loop stopped without one. */
  fallback?: string;
}
