import test from 'ava';
import { decodeForm } from '../../tools/stripe-sim/form.js';

test('nested brackets decode into objects and indexed arrays', (t) => {
  t.deepEqual(decodeForm('items[0][price]=price_a&items[0][quantity]=2&items[1][price]=price_b&customer=cus_1'), {
    items: [{ price: 'price_a', quantity: '2' }, { price: 'price_b' }],
    customer: 'cus_1',
  });
});

test('empty brackets append and a single expand stays an array', (t) => {
  t.deepEqual(decodeForm('expand[]=data.items.data.price&expand[]=latest_invoice'), { expand: ['data.items.data.price', 'latest_invoice'] });
  t.deepEqual(decodeForm('expand[0]=customer'), { expand: ['customer'] });
});

test('metadata keys stay keys even when numeric, and empty values mean unset', (t) => {
  t.deepEqual(decodeForm('metadata[0]=a&metadata[1]=b&description='), { metadata: { 0: 'a', 1: 'b' }, description: '' });
});

test('percent-encoding and plus signs decode like a browser form', (t) => {
  t.deepEqual(decodeForm('email=a%2Bb%40example.test&name=Ada+Lovelace&created%5Bgte%5D=5'), {
    email: 'a+b@example.test', name: 'Ada Lovelace', created: { gte: '5' },
  });
});
