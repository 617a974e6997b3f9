<?php
// Verify a kyso signature from a PHP backend (ext-curl, ext-json).
// Run: php verify.php http://127.0.0.1:8089 to-khai.pdf [detached-data]
[$script, $service, $document] = $argv;
$body = ['document' => base64_encode(file_get_contents($document))];
if (isset($argv[3])) {
    $body['detached'] = base64_encode(file_get_contents($argv[3]));
}
$curl = curl_init("$service/verify?revocation=require");
curl_setopt_array($curl, [
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
    CURLOPT_POSTFIELDS => json_encode($body),
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 120,
]);
$answer = curl_exec($curl);
$status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
curl_close($curl);
$report = json_decode($answer, true);
if ($status !== 200) {
    // 400/413/503: ['error' => 'NOT_DER' | 'UNKNOWN_FORMAT' | 'TOO_LARGE' | …, 'message' => '…']
    fwrite(STDERR, "$status {$report['error']}: {$report['message']}\n");
    exit(2);
}
foreach ($report['signatures'] as $signature) {
    $who = $signature['signer']['name'] ?? '?';
    $ids = implode(', ', array_merge($signature['signer']['mst'] ?? [], $signature['signer']['cccd'] ?? []));
    echo "{$signature['indication']}" . (isset($signature['subIndication']) ? " / {$signature['subIndication']}" : '') . ": $who ($ids)\n";
}
exit($report['indication'] === 'TOTAL-PASSED' ? 0 : 1);
