# A model deployed, replaced or dropped in one session is what the next call
# in every other session uses: the backend cache follows commits.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my $db = fresh_database('mktai_t001');
load_customers($db, 1000);
psql_ok($db, q{SET client_min_messages = warning;
  SELECT mktai.train('m', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 3}')});
psql_ok($db, q{SET client_min_messages = warning;
  SELECT mktai.train('m', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 3, "seed": 9, "deploy": false}')});

my $score_sql = q{SELECT mktai.predict('m', c) FROM customers c WHERE customer_id = 1};
my %score_of;
for my $v (1, 2)
{
	psql_ok($db, "SELECT mktai.deploy('m', $v)");
	$score_of{$v} = psql_ok($db, $score_sql);
}
isnt($score_of{1}, $score_of{2}, 'the two versions score differently');
psql_ok($db, "SELECT mktai.deploy('m', 1)");

my $a = MktaiTest::Session->new($db);
my $b = MktaiTest::Session->new($db);

my ($out) = $a->query($score_sql);
is($out, $score_of{1}, 'session A scores with version 1 and caches it');

$b->query("SELECT mktai.deploy('m', 2)");
($out) = $a->query($score_sql);
is($out, $score_of{2}, 'after B deploys version 2, A scores with version 2');

$b->query('BEGIN');
$b->query("SELECT mktai.deploy('m', 1)");
($out) = $a->query($score_sql);
is($out, $score_of{2}, 'an uncommitted deploy in B does not reach A');
$b->query('COMMIT');
($out) = $a->query($score_sql);
is($out, $score_of{1}, 'once B commits, A scores with version 1');

$b->query('BEGIN');
$b->query("SELECT mktai.deploy('m', 2)");
$b->query('ROLLBACK');
($out) = $a->query($score_sql);
is($out, $score_of{1}, 'a rolled-back deploy changes nothing');

$b->query("SELECT mktai.drop_model('m')");
my $err;
($out, $err) = $a->query($score_sql);
like($err, qr/model "m" does not exist/, 'after B drops the model, A is told it is gone');

$b->query(q{SET client_min_messages = warning;
  SELECT mktai.train('m', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 3}')});
($out) = $a->query($score_sql);
is($out, $score_of{1}, 'a model trained again under the name is picked up');

$a->close;
$b->close;
psql_ok('postgres', "DROP DATABASE $db");
done_testing();
