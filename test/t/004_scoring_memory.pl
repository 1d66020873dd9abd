# Scoring a million rows, and finding the brands of a million comments,
# keep the backend's memory flat: its private memory, sampled while the
# query runs, peaks no higher for a million rows than for 200 thousand,
# and nothing stays behind in the long-lived memory contexts.  (Shared buffers are left out: a longer scan touches more of
# them, which is not the backend growing.)
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
# Finds the brands of $rows generated comments.
my $mentions = sub {
	my ($rows) = @_;
	return $run->(q{SELECT count(*) FROM (SELECT mktai.mentions(
	          'comment ' || g || ' on the Apple Music app, 我买了华为手机',
	          '{"Apple": ["apple"], "Apple Music": ["apple music"], "Huawei": ["huawei", "华为"]}') AS m
	          FROM generate_series(1, } . $rows . q{) g) x WHERE m = '{"Apple Music",Huawei}'});
};

is($score->(1000), '1000', 'warm-up: the model is loaded and cached');
my ($contexts_before) = $s->query($context_sql);
is($score->(200000), '200000', '200 thousand rows scored');
my $peak_small = $peak;
is($score->(1000000), '1000000', 'a million rows scored');
my $peak_large = $peak;
my ($contexts_after) = $s->query($context_sql);

cmp_ok($peak_large - $peak_small, '<', 4 * 1024,
	"peak private memory grows by less than 4 MB ($peak_small kB -> $peak_large kB)");
cmp_ok($contexts_after - $contexts_before, '<', 1024 * 1024,
	"long-lived memory contexts grow by less than 1 MB ($contexts_before -> $contexts_after bytes)");

# mktai.mentions keeps its brands per query and a row's work per row.
is($mentions->(1000), '1000', 'warm-up: brands found in 1000 comments');
($contexts_before) = $s->query($context_sql);
is($mentions->(200000), '200000', 'brands found in 200 thousand comments');
$peak_small = $peak;
is($mentions->(1000000), '1000000', 'brands found in a million comments');
$peak_large = $peak;
($contexts_after) = $s->query($context_sql);

cmp_ok($peak_large - $peak_small, '<', 4 * 1024,
	"mentions: peak private memory grows by less than 4 MB ($peak_small kB -> $peak_large kB)");
cmp_ok($contexts_after - $contexts_before, '<', 1024 * 1024,
	"mentions: long-lived memory contexts grow by less than 1 MB ($contexts_before -> $contexts_after bytes)");

$s->close;
psql_ok('postgres', "DROP DATABASE $db");
done_testing();
