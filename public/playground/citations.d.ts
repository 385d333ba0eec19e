/** Types of citations.js, the playground's reading of citation markers. */
export declare function citedNumbers(text: string, passageCount: number): number[];
export declare function withMissingMarkers(text: string, citations: ReadonlyArray<{ n: number }>): string;
export declare function citationPieces(text: string, passageCount: number): Array<{ text: string; n?: number }>;
