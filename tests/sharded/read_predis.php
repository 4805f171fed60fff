<?php
// Reads keys back through Predis's own client-side sharding (Debian
// php-predis, the default 'predis' cluster: PredisCluster over HashRing)
// from real servers. Reads a JSON request on stdin ({"servers": [{"host",
// "port", "alias"}], "keys": [hex]}) and prints {"version", "values": [hex
// or null per key]}. Run by tests/sharded/cross.py.
require_once '/usr/share/php/Predis/Autoloader.php';
Predis\Autoloader::register();

$req = json_decode(stream_get_contents(STDIN), true);
$params = array();
foreach ($req['servers'] as $s) {
    $params[] = array('host' => $s['host'], 'port' => $s['port'], 'alias' => $s['alias']);
}
$client = new Predis\Client($params, array('cluster' => 'predis'));
$values = array();
foreach ($req['keys'] as $h) {
    $v = $client->get(hex2bin($h));
    $values[] = $v === null ? null : bin2hex($v);
}
$client->disconnect();
echo json_encode(array('version' => Predis\Client::VERSION, 'values' => $values)), "\n";
