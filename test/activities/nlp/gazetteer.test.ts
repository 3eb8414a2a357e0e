import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractEntities } from '../../../src/activities/nlp/entities';
import { gazetteerPlaces } from '../../../src/activities/nlp/gazetteer';

const mentions = (text: string) => gazetteerPlaces(text).map((s) => text.slice(s.start, s.end));

test('a town named nowhere else in the sentence is found by its name alone', () => {
  assert.deepEqual(mentions('Petitions asking for a jail term for Norristown attorney Julian Barnard were filed.'), ['Norristown']);
  assert.deepEqual(mentions('He robbed the Hillsdale branch. In Evanston, nobody saw it.'), ['Hillsdale', 'Evanston']);
});

test('towns named by English words and names inside longer capitalised runs are left alone', () => {
  assert.deepEqual(mentions('Mobile phones and Reading glasses sold well; Orange juice too.'), []);
  assert.deepEqual(mentions('They drove from Lincoln to Omaha.'), ['Lincoln', 'Omaha']);
  assert.deepEqual(mentions('They walked to the Lincoln Memorial with Omaha Beach veterans.'), []);
});

test('in the full extraction a person found for the same words still wins', () => {
  const text = 'Mr. Jackson said the plant in Norristown will close.';
  const types = Object.fromEntries(extractEntities(text).map((e) => [e.text, e.type]));
  assert.equal(types.Jackson, 'person');
  assert.equal(types.Norristown, 'place');
});
