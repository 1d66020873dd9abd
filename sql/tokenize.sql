-- mktai.tokenize: ICU tokens of a text.
-- Dictionary segmentation follows the ICU of Debian 12 (72); another ICU
-- major version may split some Chinese, Japanese or Thai words otherwise.

--
-- English: case folding, punctuation, apostrophes, numbers
--

SELECT mktai.tokenize('Hello, World! Don''t STOP: it’s 3.14, not 1,000 $.');
SELECT mktai.tokenize('e-mail user@example.com, see https://example.org/a?b=1');
SELECT mktai.tokenize('Straße, ﬁne CAFÉ café');

--
-- Chinese and Japanese: ICU's dictionary words
--

SELECT mktai.tokenize('这家酒店的服务很好');
SELECT mktai.tokenize('東京に行きたいです。ラーメンが好き！');
SELECT mktai.tokenize('ภาษาไทยง่ายนิดเดียว');
SELECT mktai.tokenize('안녕하세요 세계');

--
-- Mixed text
--

SELECT mktai.tokenize('iPhone12很好用, 5星! Great 👍');

--
-- NFKC: full-width and half-width forms
--

SELECT mktai.tokenize('ＡＢＣ　ｄｅｆ　１２３ ｶﾀｶﾅ');

--
-- Byte order marks and control characters
--

SELECT mktai.tokenize(E'\uFEFFgood\uFEFF hotel');
SELECT mktai.tokenize(E'hel\uFEFFlo');
SELECT mktai.tokenize(E'line\none\ttab\rreturn\x01bell\x7fdel');

--
-- NULL, empty, white space and punctuation only
--

SELECT mktai.tokenize(NULL) IS NULL AS is_null;
SELECT mktai.tokenize('x', NULL) IS NULL AS is_null;
SELECT mktai.tokenize('');
SELECT mktai.tokenize(E'  \t\n  ');
SELECT mktai.tokenize('?!... -- ;');

--
-- Options
--

-- characters as tokens, as fastText is fed for Chinese
SELECT mktai.tokenize('这家酒店很好!', '{"cjk_ngrams": 1, "cjk_words": false}');
-- dictionary words, then characters and bigrams of each run
SELECT mktai.tokenize('酒店很好, ok', '{"cjk_ngrams": 2}');
SELECT mktai.tokenize('ラーメン', '{"cjk_ngrams": 3, "cjk_words": false}');
SELECT mktai.tokenize('call 555-1234 at 3pm, room 12b', '{"numbers": false}');
SELECT mktai.tokenize('love it 😀🇨🇳', '{"emoji": false}');
SELECT mktai.tokenize('love it 😀🇨🇳');
-- max_bytes cuts at a character boundary: é takes 2 bytes
SELECT mktai.tokenize('abcé xyz', '{"max_bytes": 4}');
SELECT mktai.tokenize('abcé xyz', '{"max_bytes": 5}');
SELECT mktai.tokenize('Hello world', '{"locale": "sv"}');
SELECT mktai.tokenize('Hello world', '{"locale": ""}');
-- a call site parses its options once; other options on the next row
SELECT t, mktai.tokenize(t, o)
  FROM (VALUES ('酒店很好', '{}'::jsonb), ('酒店很好', '{}'),
               ('酒店很好', '{"cjk_ngrams": 1, "cjk_words": false}')) v(t, o);

--
-- Bad options, one per line
--

SELECT mktai.tokenize('x', '{"ngrams": 2}');
SELECT mktai.tokenize('x', '{"cjk_ngrams": 6}');
SELECT mktai.tokenize('x', '{"cjk_ngrams": -1}');
SELECT mktai.tokenize('x', '{"cjk_ngrams": 1.5}');
SELECT mktai.tokenize('x', '{"cjk_ngrams": "2"}');
SELECT mktai.tokenize('x', '{"cjk_words": "no"}');
SELECT mktai.tokenize('x', '{"cjk_words": false}');
SELECT mktai.tokenize('x', '{"numbers": 0}');
SELECT mktai.tokenize('x', '{"max_bytes": 0}');
SELECT mktai.tokenize('x', '{"max_bytes": 67108865}');
SELECT mktai.tokenize('x', '{"locale": "en_US"}');
SELECT mktai.tokenize('x', '{"locale": 1}');
SELECT mktai.tokenize('x', '[1, 2]');
SELECT mktai.tokenize('x', '"cjk_ngrams"');

--
-- Declaration
--

SELECT p.provolatile, p.proisstrict, p.proparallel,
       pg_get_function_arguments(p.oid) AS arguments,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p
 WHERE p.oid = 'mktai.tokenize(text, jsonb)'::regprocedure;
