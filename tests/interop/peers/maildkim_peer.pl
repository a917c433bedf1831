#!/usr/bin/perl
#
# NAME
#   maildkim_peer.pl - DKIM / DomainKeys signer and verifier peer built on
#   Mail::DKIM (libmail-dkim-perl)
#
# SUMMARY
#   maildkim_peer.pl features
#   maildkim_peer.pl sign --key KEYFILE --domain D --selector S [--alg A]
#       [--canon HDR/BODY] [--headers H1:H2:...] [--identity I]
#       [--time T] [--expire SECS] [--dk [--dk-canon simple|nofws]
#       [--dk-headers]] [--dk-only] < message > signed-message
#   maildkim_peer.pl verify --keys TABLE < message
#
# CONTRACT
#   Same command line and exit codes as the other interop peers
#   (tests/interop/conftest.py): 0 done / a signature passed, 1 no
#   signature passed, 2 usage, I/O or key error, 3 feature unsupported by
#   Mail::DKIM ("unsupported: ..." on stderr; callers skip, never pass).
#   sign prepends the new header(s), DKIM-Signature first, then
#   DomainKey-Signature. --headers is the exact h= list (repeats oversign);
#   without it Mail::DKIM's default list for the message is used. --time
#   sets t=, --expire sets x= to t (or now) + SECS. --dk adds a DomainKeys
#   signature (a=rsa-sha1, c= from --dk-canon, default nofws) made with the
#   same key; --dk-headers gives it an h= list (the --headers list or
#   Mail::DKIM's default). Mail::DKIM computes neither l= nor z= when
#   signing, so --length and --ztags exit 3, as does an algorithm it lacks.
#   verify prints one line per signature in header order:
#     dkim|domainkeys RESULT d=DOMAIN s=SELECTOR a=ALG [(DETAIL)]
#   RESULT and DETAIL are Mail::DKIM's own (pass, fail, invalid, temperror,
#   ...). Key records come from TABLE ("NAME TXT-VALUE" lines) through a
#   resolver object installed with Mail::DKIM::DNS::resolver(), never DNS.
#
# UNTRUSTED INPUT
#   The message and the key table; both are only passed to Mail::DKIM.
#
use strict;
use warnings;

use Getopt::Long qw(GetOptionsFromArray);
use Mail::DKIM::DNS;
use Mail::DKIM::DkSignature;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signature;
use Mail::DKIM::Signer;
use Mail::DKIM::TextWrap;
use Mail::DKIM::Verifier;
use Net::DNS;

use constant {
	EXIT_OK => 0, EXIT_NOPASS => 1, EXIT_USAGE => 2, EXIT_UNSUPPORTED => 3,
	TXT_STRING_MAX => 255,
};

# A resolver that answers TXT queries from a key table instead of DNS; it
# implements the two methods Mail::DKIM::DNS::query() calls.
package KeyTableResolver {
	sub new {
		my ($class, $path) = @_;
		my %records;
		open(my $fh, '<', $path) or die "cannot read $path: $!\n";
		while (my $line = <$fh>) {
			$line =~ s/\s+\z//;
			next if $line eq '' || $line =~ /^#/;
			my ($name, $value) = split(/\s+/, $line, 2);
			$name =~ s/\.\z//;
			$records{lc $name} = $value // '';
		}
		close($fh);
		return bless { records => \%records }, $class;
	}

	sub send {
		my ($self, $name, $type) = @_;
		my $packet = Net::DNS::Packet->new($name, $type);
		$packet->header->qr(1);
		(my $key = lc $name) =~ s/\.\z//;
		my $value = $self->{records}{$key};
		if (!defined $value || uc $type ne 'TXT') {
			$packet->header->rcode('NXDOMAIN');
			return $packet;
		}
		my @strings = unpack('(a' . main::TXT_STRING_MAX . ')*', $value);
		$packet->push(answer => Net::DNS::RR->new(
			name => $name, type => 'TXT', txtdata => \@strings));
		return $packet;
	}

	sub errorstring { return 'NOERROR' }
}

package main;

sub fail_with {
	my ($status, $message) = @_;
	print STDERR "maildkim_peer: $message\n";
	exit $status;
}

sub algorithms {
	return grep { Mail::DKIM::Signature->get_algorithm_class($_) }
	       qw(rsa-sha256 rsa-sha1 ed25519-sha256);
}

sub cmd_features {
	print 'algorithms: ', join(' ', algorithms()), "\n";
	print "canonicalizations: simple relaxed\n";
	print "sign-options: headers identity time expire dk\n";
	print "verify: dkim domainkeys\n";
	return EXIT_OK;
}

sub read_stdin {
	binmode(STDIN);
	local $/;
	my $data = <STDIN>;
	return $data // '';
}

sub dkim_signature {
	my ($opt, $signer, $key) = @_;
	my $t = $opt->{time} // time();
	return Mail::DKIM::Signature->new(
		Algorithm => $opt->{alg},
		Method    => $opt->{canon},
		Headers   => $opt->{headers} // $signer->headers,
		Domain    => $opt->{domain},
		Selector  => $opt->{selector},
		Key       => $key,
		(defined $opt->{identity} ? (Identity => $opt->{identity}) : ()),
		(defined $opt->{time} ? (Timestamp => $t) : ()),
		(defined $opt->{expire} ? (Expiration => $t + $opt->{expire}) : ()),
	);
}

sub dk_signature {
	my ($opt, $signer, $key) = @_;
	my $headers = $opt->{'dk-headers'}
	    ? ($opt->{headers} // $signer->headers) : undef;
	return Mail::DKIM::DkSignature->new(
		Algorithm => 'rsa-sha1',
		Method    => $opt->{'dk-canon'},
		Headers   => $headers,
		Domain    => $opt->{domain},
		Selector  => $opt->{selector},
		Key       => $key,
	);
}

sub cmd_sign {
	my ($opt) = @_;
	$opt->{$_} or fail_with(EXIT_USAGE, "sign needs --$_")
	    for qw(key domain selector);
	fail_with(EXIT_UNSUPPORTED, "unsupported: Mail::DKIM does not compute $_ when signing")
	    for grep { $opt->{$_} } qw(length ztags);
	fail_with(EXIT_UNSUPPORTED, "unsupported: Mail::DKIM lacks $opt->{alg}")
	    unless grep { $_ eq $opt->{alg} } algorithms();
	my $key = eval { Mail::DKIM::PrivateKey->load(File => $opt->{key}) }
	    or fail_with(EXIT_USAGE, "cannot load key $opt->{key}: $@");
	my $message = read_stdin();
	my $policy = sub {
		my ($signer) = @_;
		$signer->add_signature(dkim_signature($opt, $signer, $key))
		    unless $opt->{'dk-only'};
		$signer->add_signature(dk_signature($opt, $signer, $key))
		    if $opt->{dk} || $opt->{'dk-only'};
		return 0;
	};
	my $signer = Mail::DKIM::Signer->new(Policy => $policy);
	$signer->PRINT($message);
	$signer->CLOSE;
	binmode(STDOUT);
	for my $sig ($signer->signatures) {
		(my $text = $sig->as_string) =~ s/\015?\012/\015\012/g;
		print $text, "\015\012";
	}
	print $message;
	return EXIT_OK;
}

sub cmd_verify {
	my ($opt) = @_;
	defined $opt->{keys} or fail_with(EXIT_USAGE, 'verify needs --keys');
	my $resolver = eval { KeyTableResolver->new($opt->{keys}) }
	    or fail_with(EXIT_USAGE, $@);
	Mail::DKIM::DNS::resolver($resolver);
	my $verifier = Mail::DKIM::Verifier->new();
	$verifier->PRINT(read_stdin());
	$verifier->CLOSE;
	my $passed = 0;
	my @sigs = $verifier->signatures;
	for my $sig (@sigs) {
		my $kind = $sig->isa('Mail::DKIM::DkSignature') ? 'domainkeys' : 'dkim';
		my $result = $sig->result // 'none';
		my $detail = $sig->result_detail // '';
		$detail = $1 if $detail =~ /^\Q$result\E \((.*)\)\z/s;
		$detail = '' if $detail eq $result;
		printf("%s %s d=%s s=%s a=%s%s\n", $kind, $result,
		       $sig->domain // '?', $sig->selector // '?',
		       $sig->algorithm // '?', $detail ne '' ? " ($detail)" : '');
		$passed ||= $result eq 'pass';
	}
	print "none\n" unless @sigs;
	return $passed ? EXIT_OK : EXIT_NOPASS;
}

sub main {
	my @argv = @_;
	my $command = shift(@argv) // '';
	my %opt = (alg => 'rsa-sha256', canon => 'relaxed/relaxed',
	           'dk-canon' => 'nofws');
	GetOptionsFromArray(\@argv, \%opt, 'key=s', 'domain=s', 'selector=s',
	    'alg=s', 'canon=s', 'headers=s', 'identity=s', 'time=i',
	    'expire=i', 'length', 'ztags', 'dk', 'dk-canon=s', 'dk-headers',
	    'dk-only', 'keys=s')
	    or fail_with(EXIT_USAGE, 'bad options');
	@argv and fail_with(EXIT_USAGE, "unexpected argument $argv[0]");
	return cmd_features() if $command eq 'features';
	return cmd_sign(\%opt) if $command eq 'sign';
	return cmd_verify(\%opt) if $command eq 'verify';
	fail_with(EXIT_USAGE, 'usage: maildkim_peer.pl features|sign|verify [options]');
}

exit main(@ARGV);
