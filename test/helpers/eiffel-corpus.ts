import type { DocumentInput } from '../../src/core/types.js';

/** Three short documents with one factoid question ("When was the Eiffel Tower completed?": March 1889) and near misses. */
export const EIFFEL_CORPUS: DocumentInput[] = [
  { id: 'tower', title: 'Eiffel Tower', text: 'The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in March 1889 and designed by the company of Gustave Eiffel.' },
  { id: 'eiffel', title: 'Gustave Eiffel', text: 'Gustave Eiffel was a French civil engineer born in Dijon in 1832. His company built the Eiffel Tower for the 1889 World Fair.' },
  { id: 'paris', title: 'Paris', text: 'Paris is the capital of France. The city hosted the World Fair of 1889.' },
];
