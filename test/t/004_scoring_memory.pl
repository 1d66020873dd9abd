# Scoring a million rows keeps the backend's memory flat: its private
# memory, sampled while the query runs, peaks no higher for a million rows
# than for 200 thousand, and nothing stays behind in the long-lived memory
# contexts.  (Shared buffers are left out: a longer scan touches more of
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
# Scores the first $rows rows, sampling the backend's memory meanwhile.
my $score = sub {
	my ($rows) = @_;
	$peak = 0;
	$s->send("SELECT count(*) FROM (SELECT mktai.churn_score('m', t) AS p
	          FROM (SELECT * FROM million LIMIT $rows) t) x WHERE p BETWEEN 0 AND 1");
	until ($s->done)
	{
		my $kb = private_kb();
		$peak = $kb if $kb > $peak;
		select(undef, undef, undef, 0.02);
	}
	my ($out) = $s->wait;
	return $out;
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

$s->close;
psql_ok('postgres', "DROP DATABASE $db");
done_testing();
