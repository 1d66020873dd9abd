-- mktai.mentions: brands a text mentions, matched on ICU tokens.
-- Dictionary segmentation follows the ICU of Debian 12 (72).

\set brands '{"Apple": ["apple", "iphone", "苹果"], "Huawei": ["huawei", "华为"], "Xiaomi": ["xiaomi", "小米"], "JD": ["jd.com", "京东"], "OnePlus": ["oneplus", "一加"]}'

--
-- Whole tokens, not substrings; case and width folded
--

SELECT t, mktai.mentions(t, :'brands')
  FROM (VALUES ('I love my iPhone'),
               ('pineapple juice, applesauce, snapple'),
               ('APPLE beats HuaWei'),
               ('ＡＰＰＬＥ ｈｕａｗｅｉ'),
               ('apple-fan since 2010, #Apple'),
               ('iPhone12 is a single token'),
               ('ordered on jd.com, not jd')) v(t);

-- the possessive, and a handle, count as the name they wrap
SELECT mktai.mentions('Apple’s new phone vs Huawei''s', :'brands');
SELECT mktai.mentions('thanks @Huawei and @apple_support', :'brands');

--
-- Chinese: character by character, so that ICU's dictionary reading of
-- the sentence does not hide an alias
--

SELECT t, mktai.mentions(t, :'brands')
  FROM (VALUES ('我买了苹果手机'), ('华为的手机'), ('在京东上买的'),
               ('买了一加手机'), ('苹果iPhone和华为'), ('小米粥很好喝')) v(t);
-- what the dictionary makes of two of them: 京东 and 一加 split apart;
-- the price: a CJK alias matches inside a longer word (小米粥, millet
-- porridge), as ICU's dictionary would not
SELECT mktai.tokenize('在京东上买的'), mktai.tokenize('买了一加手机');

--
-- Order of first mention, each brand once
--

SELECT mktai.mentions('huawei, then xiaomi, then huawei again, then apple', :'brands');
SELECT mktai.mentions('小米和华为还有苹果, 小米', :'brands');

--
-- Overlapping aliases: leftmost-longest
--

\set overlap '{"Apple": ["apple"], "Apple Music": ["apple music"], "Music Box": ["music box"], "Box": ["box"]}'
SELECT t, mktai.mentions(t, :'overlap')
  FROM (VALUES ('apple music'),
               ('apple music box'),
               ('an apple, a music box'),
               ('apple music''s playlists'),
               ('apple then box then apple music')) v(t);
-- an alias under two brands mentions both, in the brands' key order
SELECT mktai.mentions('my galaxy phone', '{"Samsung": ["galaxy"], "Galaxy": ["galaxy"]}');
-- duplicate aliases are harmless
SELECT mktai.mentions('apple', '{"Apple": ["apple", "APPLE", "ａｐｐｌｅ"]}');
-- multi-word aliases must be contiguous
SELECT mktai.mentions('new shoes, balance', '{"New Balance": ["new balance"]}');
SELECT mktai.mentions('New  Balance, new-balance', '{"New Balance": ["new balance"]}');

--
-- NULL, empty, no mention
--

SELECT mktai.mentions(NULL, :'brands') IS NULL AS is_null;
SELECT mktai.mentions('apple', NULL) IS NULL AS is_null;
SELECT mktai.mentions('', :'brands');
SELECT mktai.mentions('?!... -- ;', :'brands');
SELECT mktai.mentions('nothing to see', :'brands');

-- a call site parses its brands once; other brands on the next row
SELECT t, b, mktai.mentions(t, b)
  FROM (VALUES ('apple and pear', '{"Apple": ["apple"]}'::jsonb),
               ('apple and pear', '{"Apple": ["apple"]}'),
               ('apple and pear', '{"Pear": ["pear"]}'),
               ('apple and pear', '{"Apple": ["apple"]}')) v(t, b);

--
-- Bad brands, one per line
--

SELECT mktai.mentions('x', '["apple"]');
SELECT mktai.mentions('x', '"apple"');
SELECT mktai.mentions('x', '{}');
SELECT mktai.mentions('x', '{"Apple": []}');
SELECT mktai.mentions('x', '{"Apple": "apple"}');
SELECT mktai.mentions('x', '{"Apple": {"name": "apple"}}');
SELECT mktai.mentions('x', '{"Apple": ["apple", 1]}');
SELECT mktai.mentions('x', '{"Apple": ["apple", null]}');
SELECT mktai.mentions('x', '{"Apple": [["apple"]]}');
SELECT mktai.mentions('x', '{"Apple": ["apple", "!!!"]}');
SELECT mktai.mentions('x', '{"Apple": [""]}');
SELECT mktai.mentions('x', '{"": ["apple"]}');
SELECT mktai.mentions('x', jsonb_build_object('Many',
    (SELECT jsonb_agg('alias' || i) FROM generate_series(1, 10001) i)));
-- the limit itself is fine
SELECT mktai.mentions('alias10000', jsonb_build_object('Many',
    (SELECT jsonb_agg('alias' || i) FROM generate_series(1, 10000) i)));

--
-- Declaration
--

SELECT p.provolatile, p.proisstrict, p.proparallel,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p
 WHERE p.oid = 'mktai.mentions(text, jsonb)'::regprocedure;
