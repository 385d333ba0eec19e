/**
 * The files of a real BERT WordPiece tokenizer (tokenizer.json in the Hugging Face tokenizers format, plus
 * tokenizer_config.json, special_tokens_map.json and vocab.txt) over a small vocabulary: the special tokens,
 * every letter and digit alone and as a "##" continuation (so any lower-case English word tokenizes without
 * [UNK]), ASCII punctuation, common English words and suffixes.
 */

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const WORDS = `the of and to in is was for on that with as by at from it an be are this which or his her their
they we you he she its not but have has had were been will would can could should may might must do does did
what who whom whose when where why how there here than then so if into about over under after before between
during through also only more most some any all each other such no yes one two three four five ten hundred
first second new old long short high low large small big good best great many much few very just like well
time year day week month people person man woman child world life city country state house home water fire
food pasta salt minutes star stars sun moon planet gravity plasma hot cold light dark energy nebula galaxy
space earth sea river mountain forest tree animal bird fish dog cat history war king queen government law
company business market money price work job school student teacher book page word text document documents
index query search answer question result results model models data set list file folder server request
response error ingest ingestion retrieve retrieval rank ranking score passage passages chunk chunks section
title heading guide setup install run test tests make made use used using find found give given take taken
know known see seen say said get got go went come came call called name number part place point case fact
group problem system program question way thing things example information order level form side line end
born die died live lived love kept keep keeps old archive maps boxes climate controlled boiled salted until
dente balls held together own giant`.split(/\s+/).filter((w) => w.length > 0);

const SUFFIXES = ['s', 'es', 'ed', 'ing', 'ly', 'er', 'ers', 'est', 'tion', 'tions', 'ment', 'ness', 'able', 'al', 'ic', 'ity', 'ive', 'ous'];

/** The vocabulary in id order: specials first, so [PAD] is 0 as in BERT. */
export function tinyVocabulary(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
  const all = [...SPECIAL_TOKENS, ...punctuation, ...letters, ...letters.map((c) => `##${c}`), ...SUFFIXES.map((s) => `##${s}`), ...WORDS];
  return [...new Set(all)];
}

type Json = Record<string, unknown>;

/** tokenizer.json: BERT's normaliser, pre-tokeniser, [CLS] A [SEP] (B [SEP]) template and WordPiece model. */
export function tokenizerJson(vocab: string[]): Json {
  const id = (t: string): number => vocab.indexOf(t);
  const special = (t: string, typeId: number): Json => ({ SpecialToken: { id: t, type_id: typeId } });
  const sequence = (s: 'A' | 'B', typeId: number): Json => ({ Sequence: { id: s, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({ id: id(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

export function tokenizerConfigJson(maxLength: number): Json {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    clean_up_tokenization_spaces: true,
    model_max_length: maxLength,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
}

export function specialTokensMapJson(): Json {
  return { pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' };
}
