# MktaiTest: helpers for mktai's TAP tests.
#
# The tests talk to the throwaway cluster that test/check.sh starts (see the
# environment described in test/lib.sh) with psql: one-shot commands through
# psql(), and long-lived sessions through MktaiTest::Session, for what needs
# several sessions at once.
package MktaiTest;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run ();

our @EXPORT = qw(psql psql_ok fresh_database load_customers);

# psql($db, $sql, @extra): runs $sql in a new session; returns
# (stdout, stderr, exit status), stdout unaligned and without headers.
sub psql
{
	my ($db, $sql, @extra) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[ 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
		  '-d', $db, @extra, '-c', $sql ],
		'<', \undef, '>', \$out, '2>', \$err);
	chomp $out;
	return ($out, $err, $? >> 8);
}

# psql_ok($db, $sql): stdout of $sql, dying with its stderr on failure.
sub psql_ok
{
	my ($db, $sql) = @_;
	my ($out, $err, $rc) = psql($db, $sql);
	die "psql failed: $err\n" if $rc != 0;
	return $out;
}

# fresh_database($name): (re)creates database $name with mktai installed.
sub fresh_database
{
	my ($name) = @_;
	psql_ok('postgres', qq{DROP DATABASE IF EXISTS "$name"});
	psql_ok('postgres', qq{CREATE DATABASE "$name"});
	psql_ok($name, 'CREATE EXTENSION mktai');
	return $name;
}

# load_customers($db, $n): the seeded customer table of test/data.
sub load_customers
{
	my ($db, $n) = @_;
	my $file = "$ENV{MKTAI_ROOT}/test/data/customers.sql";
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', "n=$n",
					'-d', $db, '-f', $file ], '<', \undef, '>', \$out, '2>', \$err)
	  or die "loading customers failed: $err\n";
	return;
}

package MktaiTest::Session;

# A psql session kept open across queries.
sub new
{
	my ($class, $db) = @_;
	my $self = bless { in => '', out => '', err => '' }, $class;
	$self->{timer} = IPC::Run::timer(120);
	$self->{run} = IPC::Run::start(
		[ 'psql', '-X', '-q', '-A', '-t', '-d', $db ],
		'<', \$self->{in}, '>', \$self->{out}, '2>', \$self->{err},
		$self->{timer});
	return $self;
}

# query($sql): runs $sql and waits for it; returns (stdout, stderr).
sub query
{
	my ($self, $sql) = @_;
	my $marker = '__mktai_done__';
	$self->{out} = '';
	$self->{err} = '';
	$self->{in} .= "$sql;\n\\echo $marker\n";
	$self->{timer}->start(120);
	$self->{run}->pump until $self->{out} =~ /$marker\n/;
	(my $out = $self->{out}) =~ s/$marker\n//;
	chomp $out;
	return ($out, $self->{err});
}

# send($sql): starts $sql without waiting; collect its result with wait().
sub send
{
	my ($self, $sql) = @_;
	$self->{out} = '';
	$self->{err} = '';
	$self->{in} .= "$sql;\n\\echo __mktai_done__\n";
	$self->{run}->pump_nb;
	return;
}

# done(): whether what send() started has finished.
sub done
{
	my ($self) = @_;
	$self->{run}->pump_nb;
	return $self->{out} =~ /__mktai_done__\n/;
}

# wait(): the (stdout, stderr) of what send() started.
sub wait
{
	my ($self) = @_;
	$self->{timer}->start(120);
	$self->{run}->pump until $self->{out} =~ /__mktai_done__\n/;
	(my $out = $self->{out}) =~ s/__mktai_done__\n//;
	chomp $out;
	return ($out, $self->{err});
}

sub close
{
	my ($self) = @_;
	$self->{in} .= "\\q\n";
	$self->{run}->finish;
	return;
}

1;
