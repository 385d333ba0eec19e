import { RagError } from '../core/errors.js';

/**
 * The error for a name asked for as a pipeline or an ensemble that is not one. When it names the other kind, it says
 * how to ask for that instead, in the CLI's words and the API's alike (the same message reaches both).
 */
export function unknownName(kind: 'pipeline' | 'ensemble', name: string, configured: { pipelines: readonly string[]; ensembles: readonly string[] }): RagError {
  const pipeline = kind === 'pipeline';
  const own = pipeline ? configured.pipelines : configured.ensembles;
  const list = own.length > 0 ? `configured: ${own.join(', ')}` : `none is configured${pipeline ? '' : ' (see config/ensemble.example.yaml)'}`;
  const code = pipeline ? 'UNKNOWN_PIPELINE' : 'UNKNOWN_ENSEMBLE';
  if ((pipeline ? configured.ensembles : configured.pipelines).includes(name)) {
    const [is, other] = pipeline ? ['an ensemble, not a pipeline', 'ensemble'] : ['a pipeline, not an ensemble', 'pipeline'];
    return new RagError(code, `"${name}" is ${is}: ask for it as the ${other} (--${other} ${name}, or "${other}": "${name}" in a request); ${kind}s ${list}`);
  }
  return new RagError(code, `unknown ${kind} "${name}"; ${list}`);
}
