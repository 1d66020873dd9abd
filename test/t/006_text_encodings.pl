# Text classification outside UTF8 databases (doc/reference.md, "Database
# encodings" of mktai.tokenize, and "Text classification").
#
# SQL_ASCII: the server never checked the bytes; mktai reads them as UTF-8,
# and bytes that are not are an error (22021) for tokenize, train, classify
# and evaluate alike, never guessed at.  LATIN1: text is converted to UTF-8;
# tokenize fails (22P05) on a token normalisation took outside LATIN1, but
# training and scoring hash tokens as UTF-8 and never convert them back.
# The same rows make the same model in SQL_ASCII, LATIN1 and UTF8, and it
# gives the same scores.
#
# This file holds UTF-8 bytes; without "use utf8" Perl keeps them as bytes,
# which is what psql sends (client encoding SQL_ASCII or UTF8).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my %db = (
	SQL_ASCII => 'mktai_t006_sql_ascii',
	LATIN1 => 'mktai_t006_latin1',
	UTF8 => 'mktai_t006_utf8');

for my $encoding (sort keys %db)
{
	psql_ok('postgres', qq{DROP DATABASE IF EXISTS $db{$encoding}});
	psql_ok('postgres', qq{CREATE DATABASE $db{$encoding} TEMPLATE template0
	  ENCODING '$encoding' LC_COLLATE 'C' LC_CTYPE 'C'});
	psql_ok($db{$encoding}, 'CREATE EXTENSION mktai');
}

# Runs $sql in a database of the given encoding, the client speaking UTF-8
# except to SQL_ASCII, which takes and gives bytes unconverted.
sub run_in
{
	my ($encoding, $sql) = @_;
	local $ENV{PGCLIENTENCODING} = $encoding eq 'SQL_ASCII' ? 'SQL_ASCII' : 'UTF8';
	return psql($db{$encoding}, $sql, '-v', 'VERBOSITY=verbose');
}

sub ok_in
{
	my ($encoding, $sql) = @_;
	my ($out, $err, $rc) = run_in($encoding, $sql);
	die "psql failed in $encoding: $err\n" if $rc != 0;
	return $out;
}

# Checks that $sql fails with $sqlstate and a message matching $message.
sub fails_in
{
	my ($encoding, $sql, $sqlstate, $message, $name) = @_;
	my ($out, $err, $rc) = run_in($encoding, $sql);
	isnt($rc, 0, "$name: fails");
	like($err, qr/ERROR:  $sqlstate: $message/, "$name: $sqlstate, $message");
	unlike($err, qr/server closed the connection|terminated by signal/,
		"$name: no crash");
	return $err;
}

# Two hundred reviews in French and German, micro signs included, labelled
# by their words; and texts to score.
my $reviews = q{
CREATE TABLE reviews AS
SELECT i AS id,
       concat_ws(' ', (ARRAY['très', 'ganz', 'déjà'])[1 + i % 3],
                 CASE WHEN i % 2 = 0
                      THEN (ARRAY['bien', 'schön', 'dosé à 5 µg', 'réussi'])[1 + i / 2 % 4]
                      ELSE (ARRAY['mauvais', 'schlecht', 'trop de µl', 'raté'])[1 + i / 2 % 4] END,
                 i % 13) AS review,
       i % 2 = 0 AS positive
  FROM generate_series(1, 200) AS i;
CREATE TABLE probes (id int, probe text);
INSERT INTO probes VALUES (1, 'très bien'), (2, 'schlecht, ganz schlecht'), (3, '5 µg'),
  (4, 'µl µl µl'), (5, 'Straße déjà raté'), (6, '');
};
my $train = q{SET client_min_messages = warning;
  SELECT version FROM mktai.train('reviews', 'text_classification', 'reviews', 'positive',
    '{"text": "review", "buckets": 4096, "dim": 8, "epochs": 20, "char_min": 2, "char_max": 4}')};
my $scores_sql = q{SELECT string_agg(concat_ws(':', mktai.classify('reviews', probe),
    mktai.sentiment('reviews', probe)), ' ' ORDER BY id) FROM probes};

my %scores;
for my $encoding (sort keys %db)
{
	ok_in($encoding, $reviews);
	is(ok_in($encoding, $train), '1', "$encoding: a text classifier trains");
	is(ok_in($encoding, q{SELECT mktai.classify('reviews', 'très bien') || ' ' ||
	    mktai.classify('reviews', 'trop de µl, mauvais')}),
		'true false', "$encoding: classify");
	my $eval = ok_in($encoding,
		q{SELECT mktai.evaluate('reviews', 'reviews')->>'accuracy'});
	cmp_ok($eval, '>', 0.9, "$encoding: evaluate on the training rows ($eval)");
	$scores{$encoding} = ok_in($encoding, $scores_sql);
}
is($scores{SQL_ASCII}, $scores{UTF8}, 'SQL_ASCII and UTF8 give the same scores');
is($scores{LATIN1}, $scores{UTF8}, 'LATIN1 and UTF8 give the same scores');

# SQL_ASCII: valid UTF-8 is tokenized as in UTF8.
is(ok_in('SQL_ASCII', q{SELECT mktai.tokenize('Héllo WÖRLD, ＡＢＣ 5 µg 酒店')}),
	'{héllo,wörld,abc,5,μg,酒店}', 'SQL_ASCII: tokenize reads UTF-8');
# ... invalid UTF-8 within what is read is an error, past max_bytes it is not read
fails_in('SQL_ASCII', q{SELECT mktai.tokenize(E'abc \xff def')},
	'22021', 'text is not valid UTF-8 at byte 5', 'SQL_ASCII: tokenize, a stray byte');
fails_in('SQL_ASCII', q{SELECT mktai.tokenize(E'abc \xc3')},
	'22021', 'text is not valid UTF-8 at byte 5', 'SQL_ASCII: tokenize, a cut character');
fails_in('SQL_ASCII', q{SELECT mktai.tokenize(E'abc \xed\xa0\x80 x')},
	'22021', 'text is not valid UTF-8 at byte 5', 'SQL_ASCII: tokenize, a surrogate');
is(ok_in('SQL_ASCII', q{SELECT mktai.tokenize(E'abc d\xff', '{"max_bytes": 5}')}),
	'{abc,d}', 'SQL_ASCII: bytes past max_bytes are not read');
for my $function ('classify', 'classify_proba', 'sentiment')
{
	fails_in('SQL_ASCII', qq{SELECT mktai.$function('reviews', E'très bien \\xff')},
		'22021', 'text is not valid UTF-8 at byte 12', "SQL_ASCII: $function");
}
# ... training on such a text fails, names the column, and leaves no version
ok_in('SQL_ASCII', q{CREATE TABLE bad_reviews AS SELECT review, positive FROM reviews;
  INSERT INTO bad_reviews VALUES (E'bien \x80\x80', true)});
my $err = fails_in('SQL_ASCII', q{SELECT mktai.train('bad', 'text_classification', 'bad_reviews',
    'positive', '{"text": "review", "buckets": 64, "epochs": 1}')},
	'22021', 'text is not valid UTF-8 at byte 6', 'SQL_ASCII: train');
like($err, qr/CONTEXT:  tokenizing the texts of column "review" for training/,
	'SQL_ASCII: the training error names the text column');
is(ok_in('SQL_ASCII', q{SELECT count(*) FROM mktai.models WHERE name = 'bad'}), '0',
	'SQL_ASCII: a failed training leaves no version');
fails_in('SQL_ASCII', q{SELECT mktai.evaluate('reviews', 'bad_reviews')},
	'22021', 'text is not valid UTF-8 at byte 6', 'SQL_ASCII: evaluate');

# LATIN1: tokens come back in LATIN1 ...
is(ok_in('LATIN1', q{SELECT mktai.tokenize('Héllo WÖRLD, Straße déjà')}),
	'{héllo,wörld,strasse,déjà}', 'LATIN1: tokenize');
# ... unless normalisation took one outside it: NFKC makes the micro sign mu
fails_in('LATIN1', q{SELECT mktai.tokenize('dosé à 5 µg')},
	'22P05', 'character with byte sequence 0xce 0xbc in encoding "UTF8" has no equivalent in encoding "LATIN1"',
	'LATIN1: tokenize, a micro sign');
# ... while scoring the same text needs no conversion back
is(ok_in('LATIN1', q{SELECT mktai.classify('reviews', 'dosé à 5 µg') || ' ' ||
    (mktai.sentiment('reviews', 'dosé à 5 µg') > 0)::text}),
	'true true', 'LATIN1: classify and sentiment of a text with a micro sign');
is(ok_in('LATIN1', q{SELECT mktai.tokenize('a µ b', '{"max_bytes": 2}')}),
	'{a}', 'LATIN1: max_bytes counts UTF-8 bytes, cut before the micro sign');

for my $encoding (sort keys %db)
{
	psql_ok('postgres', qq{DROP DATABASE $db{$encoding}});
}
done_testing();
