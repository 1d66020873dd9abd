# pg_dump saves the models with the data; the restored database scores
# identically and keeps numbering versions where the original left off.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MktaiTest;
use Test::More;

my $db = fresh_database('mktai_t002');
my $copy = 'mktai_t002_restored';
load_customers($db, 1000);
psql_ok($db, q{SET client_min_messages = warning;
  SELECT mktai.train('churn', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 3}');
  SELECT mktai.train('churn', 'classification', 'customers', 'churned',
                     '{"exclude": ["customer_id"], "epochs": 3, "seed": 5}');
  SELECT mktai.train('charges', 'regression', 'customers', 'monthly_charges',
                     '{"exclude": ["customer_id"], "epochs": 3}')});

my $scores_sql = q{SELECT string_agg(concat_ws(' ', customer_id,
      mktai.churn_score('churn', c), mktai.predict('charges', c)), ',' ORDER BY customer_id)
  FROM customers c};
my $registry_sql = q{SELECT string_agg(concat_ws(' ', id, name, version, deployed,
      md5(weights), md5(spec::text), md5(metrics::text)), ',' ORDER BY id) FROM mktai.models};
my $before = psql_ok($db, $scores_sql);
my $registry = psql_ok($db, $registry_sql);

my $dump = "$ENV{MKTAI_SCRATCH}/t002.dump";
system('pg_dump', '-Fc', '-f', $dump, $db) == 0 or die "pg_dump failed";
psql_ok('postgres', "DROP DATABASE IF EXISTS $copy");
psql_ok('postgres', "CREATE DATABASE $copy");
system('pg_restore', '-d', $copy, $dump) == 0 or die "pg_restore failed";

is(psql_ok($copy, $registry_sql), $registry, 'the registry is restored row for row');
is(psql_ok($copy, $scores_sql), $before, 'the restored models score identically');
is(psql_ok($copy, q{SELECT version FROM mktai.train('churn', 'classification', 'customers',
      'churned', '{"exclude": ["customer_id"], "epochs": 1}')}), '3',
   'a new training continues the version numbers');
cmp_ok(psql_ok($copy, q{SELECT max(id) FROM mktai.models}), '>', 3,
   'the id sequence was restored too');

psql_ok('postgres', "DROP DATABASE $copy");
psql_ok('postgres', "DROP DATABASE $db");
unlink $dump;
done_testing();
