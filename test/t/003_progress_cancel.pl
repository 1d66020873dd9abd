# Training reports a NOTICE per epoch, and pg_cancel_backend() stops it at
# once, leaving no model and a healthy backend (an interrupt never leaves a
# BLAS call half done).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my $db = fresh_database('mktai_t003');
load_customers($db, 2000);

my ($out, $err, $rc) = psql($db, q{SELECT version FROM mktai.train('p', 'classification',
    'customers', 'churned', '{"exclude": ["customer_id"], "epochs": 3, "patience": 0,
                              "refit": false}')});
is($rc, 0, 'a short training succeeds');
my @epochs = $err =~ /^NOTICE:  epoch (\d)\/3: train loss [0-9.]+, valid loss [0-9.]+, valid auc [0-9.]+ ?\*? \([0-9.]+ s\)$/mg;
is_deeply(\@epochs, [1, 2, 3], 'one NOTICE per epoch with losses, AUC and elapsed time');

psql_ok($db, 'CREATE TABLE many AS SELECT c.* FROM customers c, generate_series(1, 100)');
my $a = MktaiTest::Session->new($db);
my ($pid) = $a->query('SELECT pg_backend_pid()');
$a->send(q{SELECT mktai.train('slow', 'classification', 'many', 'churned',
           '{"exclude": ["customer_id"], "epochs": 1000, "patience": 0}')});

# Wait until the training is well into its epochs, then cancel it.
my $started = 0;
for (1 .. 600)
{
	($out) = psql($db, "SELECT state = 'active' AND now() - query_start > interval '1 s'
		FROM pg_stat_activity WHERE pid = $pid");
	if ($out eq 't') { $started = 1; last; }
	select(undef, undef, undef, 0.1);
}
ok($started, 'the long training is running');
is(psql_ok($db, "SELECT pg_cancel_backend($pid)"), 't', 'cancel sent');
($out, $err) = $a->wait;
like($err, qr/canceling statement due to user request/, 'the training was cancelled');

($out) = $a->query(q{SELECT count(*) FROM mktai.models WHERE name = 'slow'});
is($out, '0', 'no model was left behind');
($out) = $a->query(q{SET client_min_messages = warning;
  SELECT mktai.train('after', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 2}') IS NOT NULL});
is($out, 't', 'the same backend trains again');
($out) = $a->query(q{SELECT count(*) FROM customers c
                      WHERE mktai.predict('after', c) BETWEEN 0 AND 1});
is($out, '2000', 'and scores every row');

$a->close;
psql_ok('postgres', "DROP DATABASE $db");
done_testing();
