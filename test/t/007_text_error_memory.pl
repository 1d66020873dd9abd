# Tokenizing and classifying that fail with an ERROR leak nothing: one
# session runs tens of thousands of failing tokenize, classify,
# classify_proba and sentiment calls (invalid UTF-8 in SQL_ASCII, tokens
# LATIN1 cannot hold, bad options), some after ICU has tokenized a text of
# over a megabyte, and its memory stays flat; its one cached tokenizer
# still tokenizes correctly afterwards and gives back its large buffers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my %db = (SQL_ASCII => 'mktai_t007_sql_ascii', LATIN1 => 'mktai_t007_latin1');

# Counts the calls of $1 iterations of a statement that fail with SQLSTATE
# $2; a call that succeeds or fails otherwise is not counted.  The
# statement is a PERFORM, planned once, so that the failing calls share
# their function's per-query state.
sub failures_function
{
	my ($name, $statement) = @_;
	return qq{CREATE FUNCTION $name(n int, state text) RETURNS int
	  LANGUAGE plpgsql AS \$\$
	  DECLARE failed int := 0;
	  BEGIN
	    FOR i IN 1 .. n LOOP
	      BEGIN
	        $statement;
	      EXCEPTION WHEN OTHERS THEN
	        IF SQLSTATE = state THEN failed := failed + 1; END IF;
	      END;
	    END LOOP;
	    RETURN failed;
	  END \$\$};
}

# What fails, and how, in each database: [function, statement, SQLSTATE,
# calls per round].
my %failing = (
	SQL_ASCII => [
		[ 'bad_tokenize', q{PERFORM mktai.tokenize(E'word \\xff' || i)}, '22021', 5000 ],
		[ 'bad_classify', q{PERFORM mktai.classify('m', E'great \\xc3' || i)}, '22021', 5000 ],
		[ 'bad_proba', q{PERFORM mktai.classify_proba('m', 'great ' || i || E'\\x80')},
		  '22021', 5000 ],
		[ 'bad_sentiment', q{PERFORM mktai.sentiment('m', E'\\xed\\xa0\\x80' || i)}, '22021', 5000 ],
		[ 'bad_options', q{PERFORM mktai.tokenize('word ' || i, '{"max_bytes": 0}')},
		  '22023', 5000 ],
		[ 'bad_model', q{PERFORM mktai.classify('no_such_model', 'word ' || i)}, '42704', 2000 ],
	],
	LATIN1 => [
		[ 'bad_tokenize', q{PERFORM mktai.tokenize('dosé à ' || i || ' µg')}, '22P05', 10000 ],
		[ 'bad_large', q{PERFORM mktai.tokenize(repeat('mot ', 400000) || i || ' µg',
		                                        '{"max_bytes": 2000000}')}, '22P05', 10 ],
		[ 'bad_options', q{PERFORM mktai.tokenize('mot ' || i, '{"cjk_ngrams": 9}')},
		  '22023', 5000 ],
	],
);

my %session;
for my $encoding (sort keys %db)
{
	my $name = $db{$encoding};
	local $ENV{PGCLIENTENCODING} = $encoding eq 'SQL_ASCII' ? 'SQL_ASCII' : 'UTF8';

	psql_ok('postgres', qq{DROP DATABASE IF EXISTS $name});
	psql_ok('postgres', qq{CREATE DATABASE $name TEMPLATE template0
	  ENCODING '$encoding' LC_COLLATE 'C' LC_CTYPE 'C'});
	psql_ok($name, 'CREATE EXTENSION mktai');
	psql_ok($name, q{SET client_min_messages = warning;
	  CREATE TABLE docs AS
	  SELECT CASE WHEN i % 2 = 0 THEN 'great fine good ' ELSE 'awful poor bad ' END || i % 7
	             AS body, i % 2 = 0 AS positive
	    FROM generate_series(1, 200) AS i;
	  SELECT mktai.train('m', 'text_classification', 'docs', 'positive',
	    '{"text": "body", "buckets": 1024, "dim": 8, "epochs": 20}')});
	psql_ok($name, failures_function(@$_[0 .. 1])) for @{ $failing{$encoding} };
	$session{$encoding} = MktaiTest::Session->new($name);
}

# Private (anonymous) resident memory of a backend, in kB.
sub private_kb
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/status" or die "cannot read /proc/$pid/status: $!";
	while (<$fh>) { return $1 if /^RssAnon:\s+(\d+) kB/; }
	die "no RssAnon for $pid";
}

my $context_sql = 'SELECT sum(total_bytes) FROM pg_backend_memory_contexts';
my $probe_sql = q{SELECT mktai.tokenize('Héllo WÖRLD déjà, 3 pommes')::text || ' ' ||
  mktai.classify('m', 'great fine') || ' ' || mktai.sentiment('m', 'awful poor')};

for my $encoding (sort keys %db)
{
	my $s = $session{$encoding};
	my ($pid) = $s->query('SELECT pg_backend_pid()');
	my ($probe, $probe_err) = $s->query($probe_sql);
	is($probe_err, '', "$encoding: the probe runs");
	like($probe, qr/^\{héllo,wörld,déjà,3,pommes\} true -0\.\d+$/,
		"$encoding: the session tokenizes and classifies ($probe)");

	# Runs every failing statement, $rounds times its calls per round.
	my $fail_all = sub {
		my ($rounds) = @_;
		for my $f (@{ $failing{$encoding} })
		{
			my ($function, undef, $state, $calls) = @$f;
			my $n = $calls * $rounds;
			my ($out, $err) = $s->query("SELECT $function($n, '$state')");
			is($out, $n, "$encoding: $function: $n calls fail with $state");
		}
	};
	$fail_all->(1);			# warm-up: caches and buffers reach their size
	my ($contexts_before) = $s->query($context_sql);
	my $private_before = private_kb($pid);
	$fail_all->(4);
	my ($contexts_after) = $s->query($context_sql);
	my $private_after = private_kb($pid);

	cmp_ok($contexts_after - $contexts_before, '<', 256 * 1024,
		"$encoding: memory contexts grow by less than 256 kB ($contexts_before -> $contexts_after bytes)");
	cmp_ok($private_after - $private_before, '<', 2 * 1024,
		"$encoding: private memory grows by less than 2 MB ($private_before kB -> $private_after kB)");

	my ($again) = $s->query($probe_sql);
	is($again, $probe, "$encoding: the same tokens and scores after the failures");
	my ($tokenizers) = $s->query(q{SELECT count(*) || ' ' || sum(total_bytes)
	  FROM pg_backend_memory_contexts WHERE name = 'mktai tokenizer'});
	like($tokenizers, qr/^1 \d+$/, "$encoding: one tokenizer in the backend");
	my ($bytes) = $tokenizers =~ /^1 (\d+)$/;
	cmp_ok($bytes // 0, '<', 1024 * 1024,
		"$encoding: the tokenizer kept no buffer of the large texts ($bytes bytes)");
	$s->close;
}

psql_ok('postgres', "DROP DATABASE $_") for values %db;
done_testing();
