<?php
// Reads keys back through phpredis's own client-side sharding (Debian
// php-redis, RedisArray with its default options: CRC-32 of the key's
// {tag}, scaled to the host count) from real servers. Reads a JSON request
// on stdin ({"hosts": [string], "keys": [hex]}) and prints {"version",
// "values": [hex or null per key], "no_host": [key index]}. The hosts are
// keyroute's server strings exactly. A key whose _target is none of the
// hosts (docs/client-side-sharding.md, phpredis "No server") is not read
// and is listed in "no_host". Run by tests/sharded/cross.py.
$req = json_decode(stream_get_contents(STDIN), true);
$ra = new RedisArray($req['hosts']);
$values = array();
$noHost = array();
foreach ($req['keys'] as $i => $h) {
    $k = hex2bin($h);
    if (!in_array($ra->_target($k), $req['hosts'], true)) {
        $noHost[] = $i;
        $values[] = null;
        continue;
    }
    $v = $ra->get($k);
    $values[] = $v === false ? null : bin2hex($v);
}
echo json_encode(array('version' => phpversion('redis'), 'values' => $values, 'no_host' => $noHost)), "\n";
