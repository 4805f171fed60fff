<?php
// Answers for Predis 1.1 (Debian php-predis): HashRing (the default
// 'predis' cluster) and KetamaRing. Reads a JSON request on stdin
// ({"pools": [{"name", "ring": "hashring"|"ketama", "servers": [{"host",
// "port", "weight"?, "alias"?}]}], "keys": [hex]}) and prints
// {"version", "answers": {pool name: [server index per key]}}.
// Run by tests/oracles/clients.py. No server is contacted.
require_once '/usr/share/php/Predis/Autoloader.php';
Predis\Autoloader::register();

use Predis\Cluster\Distributor\HashRing;
use Predis\Cluster\Distributor\KetamaRing;
use Predis\Cluster\PredisStrategy;
use Predis\Connection\Aggregate\PredisCluster;
use Predis\Connection\Parameters;
use Predis\Connection\StreamConnection;

$req = json_decode(stream_get_contents(STDIN), true);
$keys = array_map('hex2bin', $req['keys']);
$answers = array();
foreach ($req['pools'] as $pool) {
    $ring = $pool['ring'] === 'ketama' ? new KetamaRing() : new HashRing();
    $cluster = new PredisCluster(new PredisStrategy($ring));
    $conns = array();
    foreach ($pool['servers'] as $s) {
        $p = array('host' => $s['host'], 'port' => $s['port']);
        if (isset($s['weight'])) { $p['weight'] = $s['weight']; }
        if (isset($s['alias'])) { $p['alias'] = $s['alias']; }
        $c = new StreamConnection(new Parameters($p));
        $cluster->add($c);
        $conns[] = $c;
    }
    $out = array();
    foreach ($keys as $k) {
        $c = $cluster->getConnectionByKey($k);
        $out[] = array_search($c, $conns, true);
    }
    $answers[$pool['name']] = $out;
}
echo json_encode(array('version' => Predis\Client::VERSION, 'answers' => $answers)), "\n";
