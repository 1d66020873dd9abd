# Scoring a million rows, the sentiment of a million comments and their
# brands keep the backend's memory flat: its private memory, sampled while
# the query runs, peaks no higher for a million rows than for 200
# thousand, and nothing stays behind in the long-lived memory contexts.
# (Shared buffers are left out: a longer scan touches more of them, which
# is not the backend growing.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my $db = fresh_database('mktai_t004');
load_customers($db, 2000);
psql_ok($db, q{SET client_min_messages = warning;
  SELECT mktai.train('m', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 2}')});
psql_ok($db, 'CREATE TABLE million AS SELECT c.* FROM customers c, generate_series(1, 500)');
psql_ok($db, q{SET client_min_messages = warning;
  CREATE TABLE reviews AS
  SELECT CASE WHEN g % 2 = 0 THEN 'great room, 很好 ' ELSE 'awful delivery, 很差 ' END || g AS review,
         g % 2 = 0 AS positive
    FROM generate_series(1, 2000) g;
  SELECT mktai.train('s', 'text_classification', 'reviews', 'positive',
                     '{"text": "review", "epochs": 2, "buckets": 4096}')});

my $s = MktaiTest::Session->new($db);
my ($pid) = $s->query('SELECT pg_backend_pid()');

# Private (anonymous) resident memory of the backend, in kB.
sub private_kb
{
	open my $fh, '<', "/proc/$pid/status" or die "cannot read /proc/$pid/status: $!";
	while (<$fh>) { return $1 if /^RssAnon:\s+(\d+) kB/; }
	die "no RssAnon for $pid";
}

my $context_sql = 'SELECT sum(total_bytes) FROM pg_backend_memory_contexts';
my $peak;
# Runs a query, sampling the backend's memory meanwhile.
my $run = sub {
	my ($sql) = @_;
	$peak = 0;
	$s->send($sql);
	until ($s->done)
	{
		my $kb = private_kb();
		$peak = $kb if $kb > $peak;
		select(undef, undef, undef, 0.02);
	}
	my ($out) = $s->wait;
	return $out;
};
# Scores the first $rows rows.
my $score = sub {
	my ($rows) = @_;
	return $run->("SELECT count(*) FROM (SELECT mktai.churn_score('m', t) AS p
	          FROM (SELECT * FROM million LIMIT $rows) t) x WHERE p BETWEEN 0 AND 1");
};
# Scores the sentiment of $rows generated comments, each a new text.
my $sentiment = sub {
	my ($rows) = @_;
	return $run->(q{SELECT count(*) FROM (SELECT mktai.sentiment('s',
	          'comment ' || g || ': great room, 很好, but the delivery was awful') AS p
	          FROM generate_series(1, } . $rows . q{) g) x WHERE p BETWEEN -1 AND 1});
};
# Finds the brands of $rows generated comments.
my $mentions = sub {
	my ($rows) = @_;
	return $run->(q{SELECT count(*) FROM (SELECT mktai.mentions(
	          'comment ' || g || ' on the Apple Music app, 我买了华为手机',
	          '{"Apple": ["apple"], "Apple Music": ["apple music"], "Huawei": ["huawei", "华为"]}') AS m
	          FROM generate_series(1, } . $rows . q{) g) x WHERE m = '{"Apple Music",Huawei}'});
};

# Runs $query for a thousand rows (warming up), 200 thousand and a million,
# and checks that neither the peak nor the long-lived memory grows.
my $stays_flat = sub {
	my ($what, $query) = @_;
	is($query->(1000), '1000', "$what: warm-up, the model or brands cached");
	my ($contexts_before) = $s->query($context_sql);
	is($query->(200000), '200000', "$what: 200 thousand rows");
	my $peak_small = $peak;
	is($query->(1000000), '1000000', "$what: a million rows");
	my $peak_large = $peak;
	my ($contexts_after) = $s->query($context_sql);

	cmp_ok($peak_large - $peak_small, '<', 4 * 1024,
		"$what: peak private memory grows by less than 4 MB ($peak_small kB -> $peak_large kB)");
	cmp_ok($contexts_after - $contexts_before, '<', 1024 * 1024,
		"$what: long-lived memory contexts grow by less than 1 MB ($contexts_before -> $contexts_after bytes)");
};

$stays_flat->('churn_score', $score);
$stays_flat->('sentiment', $sentiment);
$stays_flat->('mentions', $mentions);

$s->close;
psql_ok('postgres', "DROP DATABASE $db");
done_testing();
