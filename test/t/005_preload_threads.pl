# mktai preloaded into the postmaster, with OpenBLAS allowed several
# threads: every forked backend still trains and scores.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my $db = fresh_database('mktai_t005');
load_customers($db, 1000);
my $train = q{SET client_min_messages = warning;
  SELECT (metrics->>'auc')::float8 > 0.6 FROM mktai.train('m', 'classification',
         'customers', 'churned', '{"exclude": ["customer_id"], "epochs": 3}')};
is(psql_ok($db, $train), 't', 'a backend that loads mktai itself trains');

# ALTER SYSTEM knows mktai's settings once the library is loaded.
sub set_blas_threads
{
	my ($value) = @_;
	my $s = MktaiTest::Session->new('postgres');
	$s->query(q{LOAD 'mktai'});
	my (undef, $err) = $s->query("ALTER SYSTEM SET mktai.blas_threads $value");
	die $err if $err;
	$s->close;
}

sub restart
{
	system("$ENV{MKTAI_PG_CTL} -w restart >/dev/null") == 0 or die 'restart failed';
}

psql_ok('postgres', q{ALTER SYSTEM SET shared_preload_libraries = 'mktai'});
set_blas_threads('= 2');
restart();
is(psql_ok($db, 'SHOW shared_preload_libraries'), 'mktai', 'mktai is preloaded');
is(psql_ok($db, 'SHOW mktai.blas_threads'), '2', 'with two BLAS threads');
my @backends = map { psql_ok($db, $train) } 1 .. 3;
is_deeply(\@backends, [ 't', 't', 't' ], 'three forked backends train');
is(psql_ok($db, q{SELECT count(*) FROM customers c WHERE mktai.predict('m', c) BETWEEN 0 AND 1}),
   '1000', 'and score');
psql_ok('postgres', 'ALTER SYSTEM RESET shared_preload_libraries');
set_blas_threads('TO DEFAULT');
restart();
my $s = MktaiTest::Session->new($db);
$s->query(q{LOAD 'mktai'});
is(($s->query('SHOW mktai.blas_threads'))[0], '1', 'the default is one BLAS thread');
like(($s->query('SET mktai.blas_threads = 0'))[1], qr/0 is outside the valid range/,
	'mktai.blas_threads has bounds');
like(($s->query('SET mktai.no_such_setting = 1'))[1],
	qr/invalid configuration parameter name/, 'the mktai prefix is reserved');
$s->close;

psql_ok('postgres', "DROP DATABASE $db");
done_testing();
